// Headless Chromium for the browser suite and the browser benchmarks: a static server on
// 127.0.0.1 and Debian's Chromium driven by playwright-core (its own browser downloads are not
// used: `executablePath` is the system's).

import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import path from 'node:path';

/** Chromium's switches: headless as root, and nothing that reaches for the network. */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--js-flags=--expose-gc',
];

/** Debian's Chromium, or `CHROMIUM_PATH`. */
export function chromiumPath() {
  return process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
}

const TYPES = {
  '.mjs': 'text/javascript',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm',
  '.html': 'text/html; charset=utf-8',
  '.json': 'application/json',
};

/**
 * Serves the files of `root` under the prefixes `served` on 127.0.0.1, and `routes`
 * (`{ 'GET /host.json': (body) => value, 'POST /results': (body) => value }`, answered as JSON).
 * Resolves to the server, listening on a port of its own.
 */
export function serve(root, served, routes) {
  const server = createServer((request, response) => {
    const url = new URL(request.url, 'http://127.0.0.1');
    const route = routes[`${request.method} ${url.pathname}`];
    if (route !== undefined) {
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        response.setHeader('content-type', TYPES['.json']);
        response.end(JSON.stringify(route(body === '' ? undefined : JSON.parse(body)) ?? null));
      });
      return;
    }
    const relative = decodeURIComponent(url.pathname).replace(/^\/+/, '');
    const file = path.join(root, relative);
    const allowed =
      served.some((prefix) => relative.startsWith(prefix)) &&
      !relative.split('/').includes('..') &&
      existsSync(file);
    if (!allowed) {
      response.statusCode = 404;
      response.end('not found');
      return;
    }
    response.setHeader('content-type', TYPES[path.extname(file)] ?? 'application/octet-stream');
    // Cross-origin isolated, so that pages have SharedArrayBuffer (the suite's shared memory).
    response.setHeader('cross-origin-opener-policy', 'same-origin');
    response.setHeader('cross-origin-embedder-policy', 'require-corp');
    response.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

/** Launches Chromium: headless, no sandbox (root), a new empty profile, offline, `gc()` exposed. */
export async function launchChromium() {
  if (!existsSync(chromiumPath())) {
    throw new Error(
      `${chromiumPath()} is missing: apt-get install chromium (or set CHROMIUM_PATH)`,
    );
  }
  const { chromium } = await import('playwright-core');
  // playwright-core makes a new, empty --user-data-dir for each launch.
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    chromiumSandbox: false,
    args: CHROMIUM_FLAGS,
  });
}

/**
 * Opens `url` in `browser`, prints its console, and waits until `done` holds in the page
 * (`globalThis[done] !== undefined`); resolves to that value.
 */
export async function runPage(browser, url, done, timeout = 300_000) {
  const page = await browser.newPage();
  page.on('console', (message) => console.log(message.text()));
  page.on('pageerror', (error) => console.log(`page error: ${error.stack ?? error}`));
  await page.goto(url);
  await page.waitForFunction((name) => globalThis[name] !== undefined, done, { timeout });
  return page.evaluate((name) => globalThis[name], done);
}
