// A stand-in for bcryptprimitives.dll, for the run under Wine only (never shipped): Rust's
// standard library (1.78+) imports ProcessPrng from it on Windows, and Wine 8.0, the one Debian
// 12 has, lacks the DLL (Wine 9 added it, implemented the same way). Go's runtime (esbuild, which
// compiles the TypeScript tests) needs it too. The platform script builds it with mingw-w64 into
// its own Wine prefix's system32, where Wine 9 has it and where Go looks for it.
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len) {
  while (len > 0) {
    ULONG chunk = len > 0x7fffffff ? 0x7fffffff : (ULONG)len;
    if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, data, chunk, BCRYPT_USE_SYSTEM_PREFERRED_RNG))) {
      return FALSE;
    }
    data += chunk;
    len -= chunk;
  }
  return TRUE;
}
