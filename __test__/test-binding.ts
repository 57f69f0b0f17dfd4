// The binding as the tests see it: the facade's backend (ts/native.ts) with the exports only the
// test build has (declared in test-exports.d.ts, absent from the published binding.d.ts). ava
// loads that build (ava.config.mjs points NAPI_RS_NATIVE_LIBRARY_PATH at target/test-addon/), so
// a run against any other addon stops here, saying how to build it, rather than with "is not a
// function" halfway through a test. The one exception is asked for by name: CI's jobs that test
// a published binary on its own machine (LIGHTWATCH_TEST_RELEASE_ADDON=1) have no test build,
// and there the few tests that need one are skipped, visibly (`hasTestExports ? test :
// test.skip`). No ava import: fixtures run as plain scripts load this too.
import native = require('../ts/native');
import type testExports = require('./test-exports');

type TestBinding = typeof native & typeof testExports;

/** Whether the loaded addon is the test build. */
export const hasTestExports =
  typeof (native as Partial<TestBinding>).__panicForTests === 'function';

if (!hasTestExports && process.env.LIGHTWATCH_TEST_RELEASE_ADDON !== '1') {
  throw new Error(
    'the tests need the addon built with the test-exports feature (npm run build:test), ' +
      'loaded through NAPI_RS_NATIVE_LIBRARY_PATH as ava.config.mjs sets it',
  );
}

/** The binding with the test build's exports (only call those where `hasTestExports`). */
export const binding = native as TestBinding;
