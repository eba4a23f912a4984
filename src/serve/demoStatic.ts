/**
 * `serve --demo`: the built demo page (Vite's `dist`) at `/`, with hono's `serveStatic`. The files
 * hold no secret, so they need no token (the page gets the token from its URL's fragment, which no
 * request carries); every API route still does. `..`, doubled or back slashes and encoded tricks are
 * refused by serveStatic before it touches the disk. A GET for an unknown path that accepts HTML
 * gets index.html (the page routes itself); anything else unknown is 404.
 *
 * Caching: Vite names `/assets/*` by content hash, so they are immutable; index.html names the
 * current assets, so it is never cached. Every answer carries a strict Content-Security-Policy:
 * scripts and styles from this origin only, no plugins, no framing, no base or form targets; audio
 * from `blob:` and `mediastream:` (the model's WebRTC track, the microphone); fetches to this origin
 * and to the OpenAI origin the page posts its SDP offer to (`callsUrl`: the simulator offline).
 */
import { serveStatic } from '@hono/node-server/serve-static';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Context, MiddlewareHandler } from 'hono';
import { ProxyError } from '../errors.js';
import { errorResponse } from './httpErrors.js';

/** The first path segments of serve's API: never answered with a file or index.html. */
const API_ROOTS = new Set(['info', 'session', 'sessions', 'call', 'calls', 'tools', 'approvals', 'events', 'replays', 'webhooks', 'healthz']);

export function isApiPath(path: string): boolean {
  return API_ROOTS.has(path.split('/')[1] ?? '');
}

export interface DemoStaticOptions {
  /** The built demo: a directory with index.html (and assets/). */
  dir: string;
  /** Origins the page may fetch from besides its own (the OpenAI base URL's, for callsUrl). */
  connectOrigins: readonly string[];
}

/** Checks the directory before serve listens: a clear refusal instead of a page of 404s. */
export function checkDemoDir(dir: string): string {
  const absolute = resolve(dir);
  const index = join(absolute, 'index.html');
  if (!existsSync(index) || !statSync(index).isFile()) {
    throw new ProxyError('invalid_options', `Failed to serve the demo: ${absolute} has no index.html. Please build it first (npm run demo:build, or vite build in demo/), or give --demo DIR with the built files.`);
  }
  return absolute;
}

export function contentSecurityPolicy(connectOrigins: readonly string[]): string {
  const connect = ["'self'", ...new Set(connectOrigins)].join(' ');
  return [
    "default-src 'self'",
    "script-src 'self'",
    // React sets style properties (allowed); 'unsafe-inline' covers style attributes in rendered SVG. No script can come from it.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob: mediastream:",
    `connect-src ${connect}`,
    "worker-src 'self' blob:",
    "font-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}

export function demoStatic(options: DemoStaticOptions): MiddlewareHandler {
  const root = checkDemoDir(options.dir);
  const policy = contentSecurityPolicy(options.connectOrigins);
  const files = serveStatic({ root });
  const index = serveStatic({ root, path: 'index.html' });
  const unused = async () => undefined;
  return async (c, next) => {
    const path = c.req.path;
    if (isApiPath(path) || (c.req.method !== 'GET' && c.req.method !== 'HEAD')) return next();
    // Set before the file is read: serveStatic builds its answer with the headers set so far.
    c.header('Content-Security-Policy', policy);
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    const isPage = path === '/' || path === '/index.html';
    c.header('Cache-Control', path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : isPage ? 'no-store' : 'no-cache');
    const found = await files(c, unused);
    if (found) return found;
    if ((c.req.header('accept') ?? '').includes('text/html') && !path.startsWith('/assets/')) {
      c.header('Cache-Control', 'no-store');
      const page = await index(c, unused);
      if (page) return page;
    }
    c.header('Cache-Control', 'no-store');
    return errorResponse(c, 404, 'not_found', `Failed to find ${path.slice(0, 200)}: the demo has no such file. Please open the page at /.`);
  };
}

/** `demo/dist` in this package's folder (found from this module, in src/ or in dist/). */
export function defaultDemoDir(): string {
  let folder = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (let depth = 0; depth < 6; depth++) {
    if (isThisPackage(join(folder, 'package.json'))) return join(folder, 'demo', 'dist');
    folder = dirname(folder);
  }
  return resolve('demo', 'dist');
}

function isThisPackage(file: string): boolean {
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { name?: unknown }).name === 'realtime-mcp-proxy';
  } catch {
    return false;
  }
}
