// benchmark/dist-alloc.cjs, from an ES module application (the package's ESM entry).
import { createRequire } from 'node:module';

import { Arena } from '../dist/index.mjs';

const run = createRequire(import.meta.url)('./dist-alloc.cjs');
run(Arena, 'ES module');
