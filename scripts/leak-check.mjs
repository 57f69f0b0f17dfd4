// Runs the ava suite with LeakSanitizer (the ASan runtime preloaded into node) over a debug
// build of the addon (with the test build's exports, which the suite calls), then fails if any leak report has a frame in the addon.
//
// Why a filter and not only a suppression file: an allocation made by the addon is always called
// from Node/V8 frames (N-API callbacks, builtins), so suppressing `v8::` or `node::` frames would
// hide the addon's leaks too. Instead, reports with no frame in the addon are Node/V8's own
// (heap pages and slot sets V8 keeps until exit) and are listed but not counted; the suppression
// file holds only napi-rs's one-time class registration, which lives as long as the process.
//
// Also runs with allocator_may_return_null, so huge requests in the tests drive the addon's
// out-of-memory path through ASan's allocator instead of aborting.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');

function findRuntime() {
  const llvm = '/usr/lib';
  for (const dir of readdirSync(llvm)
    .filter((d) => d.startsWith('llvm-'))
    .sort()
    .reverse()) {
    const clang = path.join(llvm, dir, 'lib', 'clang');
    if (!existsSync(clang)) continue;
    for (const version of readdirSync(clang)) {
      const file = path.join(clang, version, 'lib', 'linux', 'libclang_rt.asan-x86_64.so');
      if (existsSync(file)) return file;
    }
  }
  return null;
}

if (process.platform !== 'linux' || process.arch !== 'x64') {
  console.log('leak-check: LeakSanitizer runs on linux-x64 only; skipped');
  process.exit(0);
}
const runtime = findRuntime();
if (runtime === null) {
  console.error(
    'leak-check: libclang_rt.asan-x86_64.so not found (Debian: apt-get install libclang-rt-14-dev)',
  );
  process.exit(1);
}

const out = path.join(root, 'target', 'leak-check');
mkdirSync(out, { recursive: true });
// package.json's build:debug (the one place of the `napi build` flags) with the test-only exports
// the suite needs, into `out` with no loader (the last of a repeated option wins; its types go to
// `out` too, `--dts` being relative to it).
const build = spawnSync(
  'npm',
  ['run', 'build:debug', '--', '--features', 'test-exports', '--output-dir', out, '--no-js'],
  { cwd: root, stdio: 'inherit' },
);
if (build.status !== 0) process.exit(build.status ?? 1);
const addon = readdirSync(out).find((f) => f.endsWith('.node'));
if (!addon) {
  console.error(`leak-check: no .node file built in ${out}`);
  process.exit(1);
}

const logs = path.join(tmpdir(), `lightwatch-lsan-${process.pid}`);
rmSync(logs, { recursive: true, force: true });
mkdirSync(logs);
const suppressions = path.join(root, 'scripts', 'lsan.supp');
const run = spawnSync('npx', ['ava'], {
  cwd: root,
  stdio: 'inherit',
  env: {
    ...process.env,
    LD_PRELOAD: runtime,
    NAPI_RS_NATIVE_LIBRARY_PATH: path.join(out, addon),
    // A 16 MiB quarantine, not the default 256 MiB: freed memory waits there so a double free is
    // still caught, and the default alone would count against the GC stress test's RSS bound.
    ASAN_OPTIONS: `detect_leaks=1:allocator_may_return_null=1:quarantine_size_mb=16:exitcode=0:log_path=${logs}/report`,
    LSAN_OPTIONS: `suppressions=${suppressions}:print_suppressions=0`,
  },
});
if (run.status !== 0) {
  console.error(`leak-check: ava failed under LeakSanitizer (exit ${run.status})`);
  process.exit(1);
}

/**
 * Whether a leak's allocation is the addon's: a frame of ours above any frame of V8's own heap
 * (`v8::internal::`). V8 does not free its heap at exit, so an allocation it makes inside its
 * heap during a Node-API call of ours (a function's map, when the addon registers) reports our
 * frame below V8's, and is V8's, like the hundreds of other V8-internal reports; an allocation
 * Node-API makes for us (a reference, a wrapper) has ours right above it.
 */
function fromAddon(stack) {
  const frames = stack.split('\n').filter((line) => /^\s+#\d+ /.test(line));
  const ours = frames.findIndex((line) => /lightwatch[-_]memory/.test(line));
  const v8 = frames.findIndex((line, at) => at > 0 && /v8::internal::/.test(line));
  return ours >= 0 && (v8 < 0 || ours < v8);
}

let ours = 0;
let theirs = 0;
let theirsBytes = 0;
const reports = readdirSync(logs);
for (const file of reports) {
  const text = readFileSync(path.join(logs, file), 'utf8');
  if (/ERROR: AddressSanitizer/.test(text)) {
    console.error(`leak-check: AddressSanitizer error in ${file}:\n${text}`);
    ours++;
  }
  for (const leak of text.split(/\n(?=(?:Direct|Indirect) leak of )/).slice(1)) {
    const stack = leak.split('\n\n')[0];
    const bytes = Number(/leak of (\d+) byte/.exec(stack)?.[1] ?? 0);
    if (fromAddon(stack)) {
      ours++;
      console.error(`leak-check: a leak from the addon:\n${stack}\n`);
    } else {
      theirs++;
      theirsBytes += bytes;
    }
  }
}
rmSync(logs, { recursive: true, force: true });
console.log(
  `leak-check: reports from ${reports.length} processes; leaks from the addon: ${ours}; Node/V8-internal leak reports (not counted): ${theirs} (${theirsBytes} bytes)`,
);
process.exit(ours === 0 ? 0 : 1);
