// Where the runtimes differ at the edges of the API, as measured (see README, "Runtimes"):
//
// - A transfer (structuredClone/postMessage with a transfer list) of a block's buffer. External
//   buffers (native backing): Node 20 copies them; Node 21+ and Bun refuse with DataCloneError
//   (nodejs/node#47604); Deno moves them, memory and all. V8-owned buffers move everywhere.
//   A moved native block stays counted until the receiver is collected (its memory is still
//   the library's); a moved V8-owned block leaves the counters at dispose (it is V8's now).
// - process.memoryUsage().external after a dispose: Node and Deno take the memory back at once;
//   Bun applies only positive napi_adjust_external_memory deltas (and keeps a detached buffer's
//   size), so it falls only at its next collection. memoryStats() is exact everywhere.
// - Shared memory (`shared: true`): external SharedArrayBuffers over the core's memory where the
//   runtime has node_api_create_external_sharedarraybuffer (Node 22.23+, 24.16+, 26.1+, Bun),
//   else V8's (Node 20, older 22/24, Deno, and the V8-owned backing everywhere).

/** The runtime this runs on: `{ name: 'node' | 'bun' | 'deno', version, major }`. */
export function runtime() {
  if (globalThis.Bun) return { name: 'bun', version: globalThis.Bun.version };
  if (globalThis.Deno) return { name: 'deno', version: globalThis.Deno.version.deno };
  return { name: 'node', version: process.versions.node };
}

/** What the smoke suite expects at the edges on `rt` with `backing` ('native' | 'v8'). */
export function expectedEdges(rt, backing) {
  const major = Number(rt.version.split('.')[0]);
  let transfer = 'moved';
  if (backing === 'native') {
    if (rt.name === 'deno') transfer = 'moved';
    else if (rt.name === 'bun' || major >= 21) transfer = 'refused';
    else transfer = 'copied';
  }
  const [, minor] = rt.version.split('.').map(Number);
  const externalShared =
    rt.name === 'bun' ||
    (rt.name === 'node' &&
      ((major === 22 && minor >= 23) || (major === 24 && minor >= 16) || major >= 26));
  return {
    name: `${rt.name} ${rt.version}`,
    sharedBacking: backing === 'native' && externalShared ? 'shared-native' : 'shared-v8',
    transfer,
    movedStaysCounted: backing === 'native',
    externalOnDispose: rt.name === 'bun' ? 'stays' : 'falls',
  };
}
