// The Node versions the package is tested on: the one list. scripts/runtimes.mjs runs them;
// scripts/check-workflow.mjs holds .github/workflows/CI.yml's matrices to them (a workflow
// cannot import, so it is checked instead).

import { readFileSync } from 'node:fs';

/** The Node majors supported, each tested at its newest release. */
export const NODE_MAJORS = ['20', '22', '24', '26'];

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
const minimum = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(pkg.engines?.node ?? '');
if (minimum === null) {
  throw new Error(
    `package.json's engines.node is not ">=major[.minor[.patch]]": ${pkg.engines?.node}`,
  );
}

/** The minimum of package.json's engines.node, as an exact version ('20.17.0'): tested exactly. */
export const NODE_MINIMUM = `${minimum[1]}.${minimum[2] ?? 0}.${minimum[3] ?? 0}`;

/** The versions a full test run covers: engines' minimum exactly, then the newest of each major. */
export const NODE_TESTED = [NODE_MINIMUM, ...NODE_MAJORS];
