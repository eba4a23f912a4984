/**
 * Tool listings kept across voice sessions, so a new session with a known server has its tools
 * without a network round trip. Keyed by where the server is and who we are to it: two
 * configurations with different credentials may see different tools.
 */
import { hashText as fingerprint } from './hash.js';
import type { McpServerConfig, Tool } from './types.js';

export interface ToolListingCacheOptions {
  /** How long a listing stays fresh, in ms. Default 5 minutes. */
  ttlMs?: number;
  /** Injectable clock, for tests. */
  now?: () => number;
}

export class ToolListingCache {
  readonly #entries = new Map<string, { tools: readonly Tool[]; storedAt: number }>();
  readonly #ttlMs: number;
  readonly #now: () => number;

  constructor(options: ToolListingCacheOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  get(key: string): readonly Tool[] | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    if (this.#now() - entry.storedAt >= this.#ttlMs) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.tools;
  }

  set(key: string, tools: readonly Tool[]): void {
    this.#entries.set(key, { tools, storedAt: this.#now() });
  }

  invalidate(key: string): void {
    this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }
}

/** Shared by every catalog that is not given its own cache. */
export const defaultToolListingCache = new ToolListingCache();

const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;

/**
 * Where the server is plus a fingerprint of the credentials. Secrets are hashed, never stored in
 * the key; token functions and auth providers count by identity.
 */
export function listingCacheKey(config: McpServerConfig): string {
  const where = config.url ?? [config.command, ...(config.args ?? [])].join(' ');
  const token = typeof config.token === 'string' ? `t:${fingerprint(config.token)}` : config.token ? `f:${idOf(config.token)}` : '';
  const provider = config.authProvider ? `p:${idOf(config.authProvider)}` : '';
  const headers = config.headers
    ? `h:${fingerprint(
        Object.entries(config.headers)
          .map(([name, value]) => `${name.toLowerCase()}=${value}`)
          .sort()
          .join('\n'),
      )}`
    : '';
  return [where, token, provider, headers].join('|');
}

function idOf(value: object): number {
  let id = objectIds.get(value);
  if (id === undefined) objectIds.set(value, (id = nextObjectId++));
  return id;
}
