// ava's configuration (here, not in package.json, because it computes one value).
//
// The suite loads the test build of the addon (`npm run build:test`: the `test-exports` feature,
// written to target/test-addon/), whose extra exports the published addon does not have: the
// napi-rs loader (binding.js) takes the file NAPI_RS_NATIVE_LIBRARY_PATH names. A caller that set
// it already (a cross build under qemu or Wine, the LeakSanitizer build) keeps its own; CI's jobs
// that test a published binary on its machine (LIGHTWATCH_TEST_RELEASE_ADDON=1) keep the
// loader's own choice, and the tests that need the test build skip (__test__/test-binding.ts).
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.dirname(fileURLToPath(import.meta.url));
const testAddon = path.join(root, 'target', 'test-addon', 'lightwatch-memory.node');
const release = process.env.LIGHTWATCH_TEST_RELEASE_ADDON === '1';
const addon = process.env.NAPI_RS_NATIVE_LIBRARY_PATH || (release ? '' : testAddon);
if (addon !== '' && !existsSync(addon)) {
  throw new Error(`${addon} is missing: run npm run build:test (the addon the tests load)`);
}

export default {
  extensions: {
    ts: 'commonjs',
  },
  nodeArguments: ['--require=tsx/cjs', '--expose-gc'],
  files: ['__test__/**/*.spec.ts'],
  timeout: '2m',
  workerThreads: false,
  // An empty value is no override: the loader finds the addon beside it or in node_modules.
  environmentVariables: {
    NAPI_RS_NATIVE_LIBRARY_PATH: addon,
  },
};
