// Runs a command with LIGHTWATCH_MEMORY_BACKING set, on every OS (no shell syntax needed):
//   node scripts/with-backing.mjs v8 ava
import { spawnSync } from 'node:child_process';

const [backing, command, ...args] = process.argv.slice(2);
if (!backing || !command) {
  console.error('usage: node scripts/with-backing.mjs <native|v8> <command> [args...]');
  process.exit(2);
}
const result = spawnSync(command, args, {
  stdio: 'inherit',
  shell: process.platform === 'win32',
  env: { ...process.env, LIGHTWATCH_MEMORY_BACKING: backing },
});
process.exit(result.status ?? 1);
