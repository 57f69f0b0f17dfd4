// The browser entry of @lightwatch/memory (the "browser" export condition): the WebAssembly core
// first (`ready.mts`: its top-level await holds back the rest), then the facade, the same
// modules as the Node entry, over the browser backend (`native.ts` here in place of
// `ts/native.ts`). scripts/build-browser.mjs bundles it into dist/browser/index.mjs.

import './ready.mjs';

// Every export of the ES module entry, whose list scripts/esm-entry.mjs writes from ts/index.ts:
// the browser's types are that entry's (package.json), so the bundle exports the same names
// (scripts/build-browser.mjs checks it).
export * from '../index.mjs';
