// Checks .github/workflows/CI.yml, which cannot run here, against what can be checked here:
//   - its structure (the jobs, their steps, pinned actions, the publish job's guard);
//   - the build matrix and the binary tests cover exactly package.json's napi.targets;
//   - the test jobs cover the operating systems of EXPECTED below, and exactly the Node versions
//     of scripts/node-versions.mjs (engines' minimum and the newest of each major);
//   - the lint, test, leak-check and hardening jobs run exactly the commands .ci/run runs;
//   - every `npm run` script it names exists;
//   - actionlint (built from the Go module proxy, pinned) finds nothing, when Go is installed.
//
//   npm run lint:workflow     (node --test-reporter=spec scripts/check-workflow.mjs)
//
// Each check is a node:test test (harness: steps.mjs); the process fails if any does.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { load as loadYaml } from 'js-yaml';

import { NODE_MAJORS, NODE_TESTED } from './node-versions.mjs';
import { check, step } from './steps.mjs';

// --- What CI.yml must hold: the one place to edit when the matrix or the jobs change. -----------
// The build targets are not here: they are package.json's napi.targets, read below; nor the Node
// versions: they are scripts/node-versions.mjs's.
const EXPECTED = {
  /** Prefixes of the test job's `runs-on` labels. */
  oses: ['ubuntu', 'macos', 'windows'],
  /** The jobs that together run what .ci/run runs, with the same commands, in its order. */
  mirrorJobs: ['lint', 'test', 'browser', 'leak-check', 'hardening', 'runtimes'],
  /** Every other job. */
  otherJobs: ['build', 'test-bindings', 'test-musl-bindings', 'electron', 'publish'],
  /** The jobs that test the prebuilt binaries, and the scripts each must run. */
  bindingTestJobs: ['test-bindings', 'test-musl-bindings'],
  bindingTestScripts: ['test:js', 'test:js:v8', 'test:package'],
  /** The artifact each build uploads and each binary test downloads. */
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
  artifactName: 'bindings-${{ matrix.settings.target }}',
  /** What the publish job runs before `npm publish --provenance`. */
  publishCommands: ['npm run create-npm-dirs', 'npm run artifacts', 'npm run prepublishOnly'],
  actionlint: 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12',
};

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workflowPath = path.join('.github', 'workflows', 'CI.yml');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const targets = pkg.napi.targets;

/** Asserts that `actual` holds each of `expected` once, and nothing else. */
function assertSameSet(actual, expected, what) {
  const missing = expected.filter((x) => !actual.includes(x));
  const extra = actual.filter((x) => !expected.includes(x));
  const duplicated = actual.filter((x, i) => actual.indexOf(x) !== i);
  // Keyed by `what`, so that the diff of a failure says what it is about.
  assert.deepEqual(
    { [what]: { missing, 'not expected': extra, twice: duplicated } },
    { [what]: { missing: [], 'not expected': [], twice: [] } },
  );
}

/** The commands .ci/run runs through npm or the project's scripts, in order. */
function ciRunCommands() {
  return readFileSync(path.join(repo, '.ci', 'run'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(npm|npx)\s|^(node|bash)\s+(scripts|examples)\//.test(line));
}

/** The shell lines of a job's `run` steps. */
function runLines(job) {
  return (job.steps ?? [])
    .filter((s) => typeof s.run === 'string')
    .flatMap((s) => s.run.split('\n'))
    .map((line) => line.trim())
    .filter(Boolean);
}

function matrixTargets(job) {
  return (job.strategy?.matrix?.settings ?? []).map((settings) => settings.target);
}

let workflow;
let jobs;
const job = (name) => {
  const found = jobs[name];
  assert.ok(found, `no job ${name}`);
  return found;
};

step(`${workflowPath} parses as YAML`, () => {
  workflow = loadYaml(readFileSync(path.join(repo, workflowPath), 'utf8'));
  assert.ok(workflow && typeof workflow === 'object', 'not a mapping');
  jobs = workflow.jobs ?? {};
  return workflow.name;
});

check('it runs on pushes, version tags and pull requests', () => {
  const on = workflow.on ?? {};
  assert.ok(
    on.push?.tags?.some((tag) => tag.startsWith('v')),
    'no v* tag trigger',
  );
  assert.ok('pull_request' in on, 'no pull_request trigger');
});

check(
  'it has the jobs mirroring .ci/run, and the build, binary test, Electron and publish jobs',
  () => {
    const names = Object.keys(jobs);
    assertSameSet(names, [...EXPECTED.mirrorJobs, ...EXPECTED.otherJobs], 'jobs');
    return names.join(', ');
  },
);

check('every job has runs-on and steps that each use an action or run a command', () => {
  for (const [name, j] of Object.entries(jobs)) {
    assert.ok(j['runs-on'], `${name}: no runs-on`);
    assert.ok(Array.isArray(j.steps) && j.steps.length > 0, `${name}: no steps`);
    for (const [i, s] of j.steps.entries()) {
      assert.ok('uses' in s !== 'run' in s, `${name} step ${i + 1}: needs one of uses/run`);
    }
  }
});

check('every action is pinned to a version', () => {
  const uses = Object.values(jobs).flatMap((j) => j.steps.filter((s) => s.uses).map((s) => s.uses));
  // dtolnay/rust-toolchain names the toolchain by its ref (@stable, @nightly): those are allowed.
  const toolchain = /^dtolnay\/rust-toolchain@(stable|nightly)$/;
  const loose = uses.filter(
    (u) => !toolchain.test(u) && !/^[\w.-]+\/[\w./-]+@(v\d[\w.]*|[0-9a-f]{40})$/.test(u),
  );
  assert.deepEqual({ 'not pinned': loose }, { 'not pinned': [] });
  return `${new Set(uses).size} actions`;
});

check('the build matrix covers exactly napi.targets', () => {
  const build = job('build');
  assertSameSet(matrixTargets(build), targets, 'build targets');
  for (const settings of build.strategy.matrix.settings) {
    assert.ok(settings.host, `${settings.target}: no host`);
    assert.ok(
      settings.build?.startsWith('npm run build -- ') &&
        settings.build.includes(`--target ${settings.target}`),
      `${settings.target}: the build command must be npm run build -- --target ${settings.target}`,
    );
  }
  const upload = build.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  assert.equal(upload?.with?.name, EXPECTED.artifactName, 'no upload of bindings-<target>');
  return `${targets.length} targets`;
});

check('the prebuilt binaries are tested on every target', () => {
  const tested = EXPECTED.bindingTestJobs.flatMap((name) => matrixTargets(job(name)));
  assertSameSet(tested, targets, 'tested targets');
  for (const name of EXPECTED.bindingTestJobs) {
    const j = job(name);
    assert.ok([j.needs].flat().includes('build'), `${name} does not need build`);
    const download = j.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    assert.equal(
      download?.with?.name,
      EXPECTED.artifactName,
      `${name}: no download of bindings-<target>`,
    );
    const lines = runLines(j).join('\n');
    for (const script of EXPECTED.bindingTestScripts) {
      assert.ok(lines.includes(`npm run ${script}`), `${name} does not run npm run ${script}`);
    }
  }
});

check(`the tests run on ${EXPECTED.oses.join(', ')} and Node ${NODE_TESTED.join(', ')}`, () => {
  const matrix = job('test').strategy?.matrix ?? {};
  const nodes = (matrix.node ?? []).map(String);
  assertSameSet(nodes, NODE_TESTED, 'test job Node versions');
  for (const os of EXPECTED.oses) {
    assert.ok(
      (matrix.os ?? []).some((label) => label.startsWith(os)),
      `${os} is not tested`,
    );
  }
  return `${matrix.os.length} x ${nodes.length} jobs`;
});

check(`the prebuilt binaries are tested on Node ${NODE_MAJORS.join(', ')}`, () => {
  for (const name of EXPECTED.bindingTestJobs) {
    const nodes = (job(name).strategy?.matrix?.node ?? []).map(String);
    assertSameSet(nodes, NODE_MAJORS, `${name} Node versions`);
  }
});

check(`the ${EXPECTED.mirrorJobs.join(', ')} jobs run exactly the commands of .ci/run`, () => {
  const commands = ciRunCommands();
  assert.ok(commands.length > 0, '.ci/run runs no npm command');
  // The system packages .ci/run installs (apt-get) are installed with sudo on the runners.
  const lines = EXPECTED.mirrorJobs.map((name) =>
    runLines(job(name)).filter((line) => !line.startsWith('sudo apt-get')),
  );
  const all = lines.flat();
  assert.deepEqual(
    {
      'not run by CI.yml': commands.filter((c) => !all.includes(c)),
      'run by CI.yml but not by .ci/run': all.filter((c) => !commands.includes(c)),
    },
    { 'not run by CI.yml': [], 'run by CI.yml but not by .ci/run': [] },
  );
  const inOrder = (run) =>
    run.every((line, i) => i === 0 || commands.indexOf(run[i - 1]) < commands.indexOf(line));
  assert.ok(lines.every(inOrder), 'not in the order of .ci/run');
  const test = runLines(job('test'));
  assert.ok(
    test.includes('npm ci') && test.includes('npm run build:all') && test.includes('npm test'),
    'the test job must npm ci && npm run build:all && npm test',
  );
  return commands.join(' / ');
});

check('the Electron job runs the suite in Electron under xvfb-run', () => {
  const lines = runLines(job('electron'));
  assert.ok(
    lines.some((l) => /npm install --no-save electron@\d+/.test(l)),
    'does not install electron',
  );
  assert.ok(
    lines.some((l) => l.startsWith('xvfb-run') && l.includes('npm run test:electron')),
    'does not run xvfb-run npm run test:electron',
  );
  assert.ok(
    existsSync(path.join(repo, 'scripts', 'electron', 'main.cjs')),
    'no scripts/electron/main.cjs',
  );
});

check('publish runs on version tags only, after every test, with provenance', () => {
  const publish = job('publish');
  assert.match(publish.if ?? '', /startsWith\(github\.ref, 'refs\/tags\/v'\)/, 'no tag guard');
  const needs = [publish.needs].flat();
  for (const name of [...EXPECTED.mirrorJobs, ...EXPECTED.bindingTestJobs, 'electron']) {
    assert.ok(needs.includes(name), `does not need ${name}`);
  }
  assert.equal(publish.permissions?.['id-token'], 'write', 'no id-token: write for provenance');
  const lines = runLines(publish);
  for (const command of EXPECTED.publishCommands) {
    assert.ok(lines.includes(command), `does not run ${command}`);
  }
  assert.ok(
    lines.some((l) => l.startsWith('npm publish') && l.includes('--provenance')),
    'no npm publish --provenance',
  );
  assert.equal(
    pkg.scripts.prepublishOnly,
    'napi prepublish -t npm',
    'prepublishOnly is not napi prepublish -t npm',
  );
});

check('every npm script the workflow runs exists', () => {
  const named = new Set();
  for (const j of Object.values(jobs)) {
    for (const s of j.steps) {
      const text = [s.run, ...Object.values(j.strategy?.matrix?.settings ?? [])]
        .flatMap((x) => (typeof x === 'string' ? [x] : Object.values(x ?? {})))
        .join('\n');
      for (const match of text.matchAll(/npm run ([\w:-]+)/g)) named.add(match[1]);
    }
  }
  const missing = [...named].filter((name) => !(name in pkg.scripts));
  assert.deepEqual({ 'missing scripts': missing }, { 'missing scripts': [] });
  return [...named].sort().join(', ');
});

check(`actionlint (${EXPECTED.actionlint.split('/').pop()})`, (t) => {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    t.skip('no Go toolchain: actionlint skipped; the structural checks above still ran');
    return;
  }
  const result = spawnSync('go', ['run', EXPECTED.actionlint, workflowPath], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  assert.equal(result.status, 0, output || `exited with ${result.status ?? result.signal}`);
  return 'no findings';
});
