// The arena hot path as applications run it: the compiled package (dist/) in a plain node
// process, side by side with the bare view floor and `new Float32Array`.
//   npm run build:ts && node benchmark/dist-alloc.cjs   (a CommonJS application)
//   node benchmark/dist-alloc.mjs                       (an ES module application)

const N = 5e6;
const LENGTH = 16;

function time(name, body) {
  let ns = 0;
  for (let round = 0; round < 5; round++) {
    const start = process.hrtime.bigint();
    body();
    ns = Number(process.hrtime.bigint() - start) / N;
  }
  console.log(`${name.padEnd(44)} ${ns.toFixed(1)} ns/op`);
  return ns;
}

/** Runs the three loops with the package's `Arena` and prints the ratios. */
function run(Arena, entry) {
  const arena = new Arena(LENGTH * 4 * 1000 + 65536);
  const buffer = new ArrayBuffer(LENGTH * 4 * 1000 + 64);
  let sink;
  console.log(`${entry} application, Node ${process.version}`);
  const ours = time(`arena.alloc(Float32Array, ${LENGTH})`, () => {
    for (let i = 0; i < N; i++) {
      if (i % 1000 === 999) arena.reset();
      sink = arena.alloc(Float32Array, LENGTH);
    }
  });
  const floor = time(`floor: new Float32Array(buffer, offset, ${LENGTH})`, () => {
    let offset = 0;
    for (let i = 0; i < N; i++) {
      if (i % 1000 === 999) offset = 0;
      sink = new Float32Array(buffer, offset, LENGTH);
      offset += LENGTH * 4;
    }
  });
  const plain = time(`new Float32Array(${LENGTH})`, () => {
    for (let i = 0; i < N; i++) sink = new Float32Array(LENGTH);
  });
  console.log(
    `arena / floor ${(ours / floor).toFixed(2)}, arena / new ${(ours / plain).toFixed(2)}`,
  );
  arena.dispose();
  return sink;
}

module.exports = run;
if (require.main === module) run(require('../dist/index.js').Arena, 'CommonJS');
