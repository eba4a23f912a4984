/**
 * The page's secrets: serve's access token arrives in the address's fragment (`#token=…`, never
 * sent to a server) with pre-filled MCP URLs (`&mcp=<url>`, repeated); the page takes them and
 * drops the fragment from the address bar and the history. The token and the OpenAI key live in
 * memory, and in sessionStorage (this tab only) when the user asks for it.
 */

export interface HashSecrets {
  token?: string;
  mcpUrls: string[];
}

const TOKEN = /^[\x21-\x7e]{1,512}$/;
const MAX_MCP_URLS = 8;

/** What a `location.hash` carries; anything that does not fit is left out. */
export function parseHash(hash: string): HashSecrets {
  const params = new URLSearchParams(hash.startsWith('#') ? hash.slice(1) : hash);
  const token = params.get('token') ?? undefined;
  const mcpUrls = params
    .getAll('mcp')
    .filter((url) => url.length <= 2048 && isHttpUrl(url))
    .slice(0, MAX_MCP_URLS);
  return { ...(token !== undefined && TOKEN.test(token) ? { token } : {}), mcpUrls };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

export interface StorageLike {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
  removeItem(key: string): void;
}

const KEYS = { token: 'realtime-mcp-proxy.demo.token', openAiKey: 'realtime-mcp-proxy.demo.openAiKey' } as const;

export interface RememberedSecrets {
  token?: string;
  openAiKey?: string;
}

export function loadRemembered(storage: StorageLike | undefined): RememberedSecrets {
  const read = (key: string) => {
    try {
      const value = storage?.getItem(key);
      return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : undefined;
    } catch {
      return undefined;
    }
  };
  const token = read(KEYS.token);
  const openAiKey = read(KEYS.openAiKey);
  return { ...(token ? { token } : {}), ...(openAiKey ? { openAiKey } : {}) };
}

/** Keeps the secrets in this tab's storage when `remember`, and removes them from it otherwise. */
export function rememberSecrets(storage: StorageLike | undefined, secrets: RememberedSecrets, remember: boolean): void {
  try {
    for (const name of ['token', 'openAiKey'] as const) {
      const value = secrets[name];
      if (remember && value) storage?.setItem(KEYS[name], value);
      else storage?.removeItem(KEYS[name]);
    }
  } catch {
    // Storage may be full or forbidden: the secrets stay in memory.
  }
}

export interface PageLocation {
  hash: string;
  pathname: string;
  search: string;
}

/** Reads the fragment, then removes it from the address bar (and this history entry). */
export function takeHashSecrets(location: PageLocation, history: { replaceState(data: unknown, unused: string, url: string): void }): HashSecrets {
  const found = parseHash(location.hash);
  if (location.hash.length > 1) {
    try {
      history.replaceState(null, '', `${location.pathname}${location.search}`);
    } catch {
      // An address that cannot be rewritten keeps its fragment; the page still works.
    }
  }
  return found;
}
