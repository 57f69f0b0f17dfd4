// What a built addon is, read from its file headers: the binary format, the machine, and what it
// needs from the system (ELF: DT_NEEDED and no program interpreter; PE: the imported DLLs;
// Mach-O: the load commands' dylibs). ELF and PE are read with binutils (readelf, mingw-w64's
// objdump); Mach-O is parsed here, since nothing on a Linux machine reads it by default.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

function tool(command, args) {
  const result = spawnSync(command, args, { encoding: 'utf8', maxBuffer: 256 << 20 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')}: ${result.stderr}`);
  return result.stdout;
}

/** `{ format: 'ELF', machine, type, needed, interpreter }` from readelf. */
export function elfHeaders(file) {
  const header = tool('readelf', ['-h', file]);
  const dynamic = tool('readelf', ['-d', file]);
  const program = tool('readelf', ['-l', file]);
  return {
    format: 'ELF',
    machine: /Machine:\s+(.+)/.exec(header)?.[1].trim(),
    type: /Type:\s+(\w+)/.exec(header)?.[1],
    needed: [...dynamic.matchAll(/\(NEEDED\)\s+Shared library: \[(.+?)\]/g)].map((m) => m[1]),
    interpreter: /Requesting program interpreter: (.+?)\]/.exec(program)?.[1] ?? null,
  };
}

/** `{ format: 'PE32+', machine, dlls }` from mingw-w64's objdump. */
export function peHeaders(file) {
  const out = tool('x86_64-w64-mingw32-objdump', ['-p', '-f', file]);
  return {
    format: /Magic\s+020b/.test(out) ? 'PE32+' : 'PE',
    machine: /architecture: ([\w:-]+)/.exec(out)?.[1],
    dlls: [...out.matchAll(/DLL Name: (.+)/g)].map((m) => m[1].trim()),
  };
}

const MACHO_CPUS = { 16777223: 'x86_64', 16777228: 'arm64' };
const MACHO_TYPES = { 6: 'MH_DYLIB', 8: 'MH_BUNDLE' };
const LC_LOAD_DYLIB = 0xc;

/** `{ format: 'Mach-O 64', machine, type, dylibs }`, parsed from the file. */
export function machoHeaders(file) {
  const bytes = readFileSync(file);
  if (bytes.readUInt32LE(0) !== 0xfeedfacf) throw new Error(`${file} is not a 64-bit Mach-O file`);
  const cpu = bytes.readUInt32LE(4);
  const commands = bytes.readUInt32LE(16);
  const dylibs = [];
  let at = 32; // the mach_header_64
  for (let i = 0; i < commands; i++) {
    const command = bytes.readUInt32LE(at);
    const size = bytes.readUInt32LE(at + 4);
    if (command === LC_LOAD_DYLIB) {
      const name = at + bytes.readUInt32LE(at + 8);
      dylibs.push(bytes.toString('utf8', name, bytes.indexOf(0, name)));
    }
    at += size;
  }
  return {
    format: 'Mach-O 64',
    machine: MACHO_CPUS[cpu] ?? `cpu ${cpu.toString(16)}`,
    type: MACHO_TYPES[bytes.readUInt32LE(12)] ?? `type ${bytes.readUInt32LE(12)}`,
    dylibs,
  };
}
