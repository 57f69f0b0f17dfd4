// Preloaded (NODE_OPTIONS=--require) into every Node process of an emulated run
// (scripts/runtimes/emulate.mjs). Without binfmt_misc, which this machine's kernel does not offer
// to us, the host cannot execute an aarch64 binary by itself: a child that Node spawns through
// process.execPath (ava's worker processes, the tests' own child processes) would fail with
// ENOEXEC. process.execPath is pointed at a script that starts the same aarch64 Node under
// qemu-user instead, which is what binfmt_misc would do.
const wrapper = process.env.LIGHTWATCH_EMULATED_NODE;
if (wrapper) process.execPath = wrapper;
