// Loads an addon with musl's dynamic linker, as a musl Node would, and looks up the entry point
// Node calls (napi_register_module_v1). No musl JavaScript runtime can run here, so the N-API
// functions the addon imports stay unresolved: RTLD_LAZY lets musl defer them, as it defers any
// symbol a later load may provide. What this shows: the file is a shared object that musl's
// loader accepts, its C library dependency resolves to musl, its constructors run, and it
// exports the entry point.
#include <dlfcn.h>
#include <stdio.h>

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: %s <addon.node>\n", argv[0]);
    return 2;
  }
  void *handle = dlopen(argv[1], RTLD_LAZY | RTLD_LOCAL);
  if (handle == NULL) {
    fprintf(stderr, "dlopen failed: %s\n", dlerror());
    return 1;
  }
  void *entry = dlsym(handle, "napi_register_module_v1");
  if (entry == NULL) {
    fprintf(stderr, "no entry point: %s\n", dlerror());
    return 1;
  }
  printf("musl loaded %s; napi_register_module_v1 found\n", argv[1]);
  return 0;
}
