// The harness of the scripts whose checks build on one another (package-test.mjs,
// check-workflow.mjs), on node:test: a *step* makes what later tests need, so once a step fails
// every later test is skipped (its failure would only repeat the step's); a *check* that fails
// fails alone. A test that returns a string gets it printed under its line, as a diagnostic.
// The tests of a file run one after another, in the order they are declared.
import { test } from 'node:test';

/** The name of the step that failed, if one did. */
let broken;

function declare(name, fn, isStep) {
  test(name, async (t) => {
    if (broken !== undefined) {
      t.skip(`the step "${broken}" failed`);
      return;
    }
    try {
      const detail = await fn(t);
      if (typeof detail === 'string' && detail !== '') t.diagnostic(detail);
    } catch (error) {
      if (isStep) broken = name;
      throw error;
    }
  });
}

/** A test that later ones depend on: if it fails, they are skipped. */
export function step(name, fn) {
  declare(name, fn, true);
}

/** A test that nothing else depends on. */
export function check(name, fn) {
  declare(name, fn, false);
}
