/**
 * Loads the core compiled to WebAssembly (`lightwatch-memory.wasm`, beside the bundle) and hands
 * it to the backend, before any facade module runs: the bundle (`entry.mts`) imports this module
 * first, and its top-level `await` holds back everything after it.
 *
 * Where from: `new URL('./lightwatch-memory.wasm', import.meta.url)`, the pattern bundlers
 * (Vite, webpack, Parcel) follow to emit the file and rewrite the URL. It is fetched (streamed
 * when the server says `application/wasm`); a `file:` URL in a runtime with
 * `process.getBuiltinModule` (Node 20.16+, as the test suite runs the browser entry) is read with
 * `node:fs`, asked of the runtime at run time, so nothing here imports a `node:` builtin. A page
 * whose Content-Security-Policy restricts scripts needs `'wasm-unsafe-eval'`.
 * @internal
 * @module
 */

import { type CoreExports, imports, install } from './core.js';

/** The parts of `WebAssembly` used here. */
interface Loader {
  instantiate(
    bytes: Uint8Array | ArrayBuffer,
    imports: object,
  ): Promise<{ module: object; instance: { exports: CoreExports } }>;
  instantiateStreaming?(
    response: Response,
    imports: object,
  ): Promise<{ module: object; instance: { exports: CoreExports } }>;
}

const wasm = (globalThis as unknown as { WebAssembly: Loader }).WebAssembly;
const url = new URL('./lightwatch-memory.wasm', import.meta.url);

async function load(): Promise<{ module: object; instance: { exports: CoreExports } }> {
  const host = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (url.protocol === 'file:' && typeof host?.getBuiltinModule === 'function') {
    const fs = host.getBuiltinModule('node:fs') as { readFileSync(path: URL): Uint8Array };
    return wasm.instantiate(fs.readFileSync(url), imports());
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${response.status} ${response.statusText}`);
  const type = response.headers.get('content-type') ?? '';
  if (typeof wasm.instantiateStreaming === 'function' && type.startsWith('application/wasm')) {
    return wasm.instantiateStreaming(response, imports());
  }
  return wasm.instantiate(await response.arrayBuffer(), imports());
}

try {
  const { module, instance } = await load();
  install(instance, module);
} catch (cause) {
  throw Object.assign(
    new Error(
      `@lightwatch/memory could not load its WebAssembly core from ${url.href}: ${
        cause instanceof Error ? cause.message : String(cause)
      }. Serve that file with the bundle (bundlers that follow new URL(..., import.meta.url) emit it), as application/wasm, and allow 'wasm-unsafe-eval' in the page's Content-Security-Policy.`,
      { cause },
    ),
    { code: 'ERR_NATIVE_ADDON_NOT_LOADED' },
  );
}
