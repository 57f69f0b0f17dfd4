// Checks .github/workflows/CI.yml, which cannot run here, against what can be checked here:
//   - its structure (the jobs, their steps, pinned actions, the publish job's guard);
//   - the build matrix and the binary tests cover exactly package.json's napi.targets;
//   - the test jobs cover Linux, macOS and Windows on Node 20, 22, 24 and engines' minimum;
//   - the lint, test, leak-check and hardening jobs run exactly the commands .ci/run runs;
//   - every `npm run` script it names exists;
//   - actionlint (built from the Go module proxy, pinned) finds nothing, when Go is installed.
//
//   node scripts/check-workflow.mjs
//
// Prints each check; exits non-zero if any fails.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { load as loadYaml } from 'js-yaml';

const ACTIONLINT = 'github.com/rhysd/actionlint/cmd/actionlint@v1.7.12';
const NODE_VERSIONS = ['20.17.0', '22', '24', '26'];
// biome-ignore lint/suspicious/noTemplateCurlyInString: a GitHub Actions expression, not a template
const ARTIFACT_NAME = 'bindings-${{ matrix.settings.target }}';
const OSES = ['ubuntu', 'macos', 'windows'];
// The jobs that together run what .ci/run runs, with the same commands.
const MIRROR_JOBS = ['lint', 'test', 'leak-check', 'hardening', 'runtimes'];

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const workflowPath = path.join('.github', 'workflows', 'CI.yml');
const pkg = JSON.parse(readFileSync(path.join(repo, 'package.json'), 'utf8'));
const targets = pkg.napi.targets;

let passed = 0;
let failed = 0;

function check(name, fn) {
  try {
    const detail = fn();
    passed++;
    console.log(`ok    ${name}${detail ? `: ${detail}` : ''}`);
  } catch (error) {
    failed++;
    const message = error instanceof Error ? error.message : String(error);
    console.log(`FAIL  ${name}\n      ${message.replaceAll('\n', '\n      ')}`);
  }
}

function expect(condition, message) {
  if (!condition) throw new Error(message);
}

function sameSet(actual, expected, what) {
  const missing = expected.filter((x) => !actual.includes(x));
  const extra = actual.filter((x) => !expected.includes(x));
  const duplicated = actual.filter((x, i) => actual.indexOf(x) !== i);
  expect(
    missing.length + extra.length + duplicated.length === 0,
    [
      missing.length ? `${what} missing: ${missing.join(', ')}` : '',
      extra.length ? `${what} not expected: ${extra.join(', ')}` : '',
      duplicated.length ? `${what} twice: ${duplicated.join(', ')}` : '',
    ]
      .filter(Boolean)
      .join('\n'),
  );
}

/** The commands .ci/run runs through npm or the project's scripts, in order. */
function ciRunCommands() {
  return readFileSync(path.join(repo, '.ci', 'run'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => /^(npm|npx)\s|^(node|bash)\s+scripts\//.test(line));
}

/** The shell lines of a job's `run` steps. */
function runLines(job) {
  return (job.steps ?? [])
    .filter((step) => typeof step.run === 'string')
    .flatMap((step) => step.run.split('\n'))
    .map((line) => line.trim())
    .filter(Boolean);
}

function matrixTargets(job) {
  return (job.strategy?.matrix?.settings ?? []).map((settings) => settings.target);
}

let workflow;
check(`${workflowPath} parses as YAML`, () => {
  workflow = loadYaml(readFileSync(path.join(repo, workflowPath), 'utf8'));
  expect(workflow && typeof workflow === 'object', 'not a mapping');
  return workflow.name;
});
if (!workflow) {
  console.log(`\nworkflow: ${passed} passed, ${failed} failed`);
  process.exit(1);
}
const jobs = workflow.jobs ?? {};
const job = (name) => {
  const found = jobs[name];
  if (!found) throw new Error(`no job ${name}`);
  return found;
};

check('it runs on pushes, version tags and pull requests', () => {
  const on = workflow.on ?? {};
  expect(
    on.push?.tags?.some((tag) => tag.startsWith('v')),
    'no v* tag trigger',
  );
  expect('pull_request' in on, 'no pull_request trigger');
});

check(
  'it has the jobs mirroring .ci/run, and the build, binary test, Electron and publish jobs',
  () => {
    const names = Object.keys(jobs);
    const wanted = [
      ...MIRROR_JOBS,
      'build',
      'test-bindings',
      'test-musl-bindings',
      'electron',
      'publish',
    ];
    sameSet(names, wanted, 'jobs');
    return names.join(', ');
  },
);

check('every job has runs-on and steps that each use an action or run a command', () => {
  for (const [name, j] of Object.entries(jobs)) {
    expect(j['runs-on'], `${name}: no runs-on`);
    expect(Array.isArray(j.steps) && j.steps.length > 0, `${name}: no steps`);
    for (const [i, step] of j.steps.entries()) {
      expect('uses' in step !== 'run' in step, `${name} step ${i + 1}: needs one of uses/run`);
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
  expect(loose.length === 0, `not pinned: ${loose.join(', ')}`);
  return `${new Set(uses).size} actions`;
});

check('the build matrix covers exactly napi.targets', () => {
  const build = job('build');
  sameSet(matrixTargets(build), targets, 'build targets');
  for (const settings of build.strategy.matrix.settings) {
    expect(settings.host, `${settings.target}: no host`);
    expect(
      settings.build?.startsWith('npm run build -- ') &&
        settings.build.includes(`--target ${settings.target}`),
      `${settings.target}: the build command must be npm run build -- --target ${settings.target}`,
    );
  }
  const upload = build.steps.find((s) => s.uses?.startsWith('actions/upload-artifact@'));
  expect(upload?.with?.name === ARTIFACT_NAME, 'no upload of bindings-<target>');
  return `${targets.length} targets`;
});

check('the prebuilt binaries are tested on every target', () => {
  const tested = [
    ...matrixTargets(job('test-bindings')),
    ...matrixTargets(job('test-musl-bindings')),
  ];
  sameSet(tested, targets, 'tested targets');
  for (const name of ['test-bindings', 'test-musl-bindings']) {
    const j = job(name);
    expect([j.needs].flat().includes('build'), `${name} does not need build`);
    const download = j.steps.find((s) => s.uses?.startsWith('actions/download-artifact@'));
    expect(download?.with?.name === ARTIFACT_NAME, `${name}: no download of bindings-<target>`);
    const lines = runLines(j).join('\n');
    for (const script of ['test:js', 'test:js:v8', 'test:package']) {
      expect(lines.includes(`npm run ${script}`), `${name} does not run npm run ${script}`);
    }
  }
});

check(`the tests run on ${OSES.join(', ')} and Node ${NODE_VERSIONS.join(', ')}`, () => {
  const matrix = job('test').strategy?.matrix ?? {};
  const nodes = (matrix.node ?? []).map(String);
  const minimum = /(\d+)/.exec(pkg.engines?.node ?? '')?.[1];
  for (const version of [...NODE_VERSIONS, minimum].filter(Boolean)) {
    expect(nodes.includes(version), `Node ${version} is not tested`);
  }
  for (const os of OSES) {
    expect(
      (matrix.os ?? []).some((label) => label.startsWith(os)),
      `${os} is not tested`,
    );
  }
  return `${matrix.os.length} x ${nodes.length} jobs`;
});

check(`the ${MIRROR_JOBS.join(', ')} jobs run exactly the commands of .ci/run`, () => {
  const commands = ciRunCommands();
  expect(commands.length > 0, '.ci/run runs no npm command');
  // The system packages .ci/run installs (apt-get) are installed with sudo on the runners.
  const lines = MIRROR_JOBS.map((name) =>
    runLines(job(name)).filter((line) => !line.startsWith('sudo apt-get')),
  );
  const all = lines.flat();
  const missing = commands.filter((c) => !all.includes(c));
  const extra = all.filter((c) => !commands.includes(c));
  expect(missing.length === 0, `not run by CI.yml: ${missing.join(', ')}`);
  expect(extra.length === 0, `run by CI.yml but not by .ci/run: ${extra.join(', ')}`);
  const inOrder = (run) =>
    run.every((line, i) => i === 0 || commands.indexOf(run[i - 1]) < commands.indexOf(line));
  expect(lines.every(inOrder), 'not in the order of .ci/run');
  const test = runLines(job('test'));
  expect(
    test.includes('npm ci') && test.includes('npm test'),
    'the test job must npm ci && npm test',
  );
  return commands.join(' / ');
});

check('the Electron job runs the suite in Electron under xvfb-run', () => {
  const lines = runLines(job('electron'));
  expect(
    lines.some((l) => /npm install --no-save electron@\d+/.test(l)),
    'does not install electron',
  );
  expect(
    lines.some((l) => l.startsWith('xvfb-run') && l.includes('npm run test:electron')),
    'does not run xvfb-run npm run test:electron',
  );
  expect(
    existsSync(path.join(repo, 'scripts', 'electron', 'main.cjs')),
    'no scripts/electron/main.cjs',
  );
});

check('publish runs on version tags only, after every test, with provenance', () => {
  const publish = job('publish');
  expect(/startsWith\(github\.ref, 'refs\/tags\/v'\)/.test(publish.if ?? ''), 'no tag guard');
  const needs = [publish.needs].flat();
  for (const name of [...MIRROR_JOBS, 'test-bindings', 'test-musl-bindings', 'electron']) {
    expect(needs.includes(name), `does not need ${name}`);
  }
  expect(publish.permissions?.['id-token'] === 'write', 'no id-token: write for provenance');
  const lines = runLines(publish);
  for (const command of [
    'npm run create-npm-dirs',
    'npm run artifacts',
    'npm run prepublishOnly',
  ]) {
    expect(lines.includes(command), `does not run ${command}`);
  }
  expect(
    lines.some((l) => l.startsWith('npm publish') && l.includes('--provenance')),
    'no npm publish --provenance',
  );
  expect(
    pkg.scripts.prepublishOnly === 'napi prepublish -t npm',
    'prepublishOnly is not napi prepublish -t npm',
  );
});

check('every npm script the workflow runs exists', () => {
  const named = new Set();
  for (const j of Object.values(jobs)) {
    for (const step of j.steps) {
      const text = [step.run, ...Object.values(j.strategy?.matrix?.settings ?? [])]
        .flatMap((x) => (typeof x === 'string' ? [x] : Object.values(x ?? {})))
        .join('\n');
      for (const match of text.matchAll(/npm run ([\w:-]+)/g)) named.add(match[1]);
    }
  }
  const missing = [...named].filter((name) => !(name in pkg.scripts));
  expect(missing.length === 0, `missing scripts: ${missing.join(', ')}`);
  return [...named].sort().join(', ');
});

check(`actionlint (${ACTIONLINT.split('/').pop()})`, () => {
  const go = spawnSync('go', ['version'], { encoding: 'utf8' });
  if (go.status !== 0) {
    console.log(
      '      (no Go toolchain: actionlint skipped; the structural checks above still ran)',
    );
    return 'skipped';
  }
  const result = spawnSync('go', ['run', ACTIONLINT, workflowPath], {
    cwd: repo,
    encoding: 'utf8',
    timeout: 300_000,
  });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
  expect(result.status === 0, output || `exited with ${result.status ?? result.signal}`);
  return 'no findings';
});

console.log(`\nworkflow: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
