/**
 * The secrets of one session, in one registry that the recorder, the logger, error reports and the
 * tool outputs all consult: the OpenAI key, the Realtime URL's credentials, every MCP server's
 * token, header values and URL credentials, and each value a key or token function returns, the
 * moment it returns it.
 */
import { registerServerSecrets } from '../mcp/serverConfig.js';
import { Redactor } from '../redaction/index.js';
import type { RealtimeMcpProxyOptions } from './options.js';

/**
 * The session's redactor: `options.redactor`, else the recorder's, else a new one, with every
 * secret of the options registered. A recorder with a redactor of its own is linked, so it
 * redacts the session's secrets too.
 */
export function sessionRedactor(options: Pick<RealtimeMcpProxyOptions, 'redactor' | 'recorder' | 'apiKey' | 'url' | 'servers'>): Redactor {
  const redactor = options.redactor ?? options.recorder?.redactor ?? new Redactor();
  if (options.recorder) redactor.link(options.recorder.redactor);
  redactor.add(typeof options.apiKey === 'string' ? options.apiKey : undefined).addUrl(options.url);
  for (const server of options.servers) registerServerSecrets(redactor, server);
  return redactor;
}

/** A key function whose every value is registered before it is used; a string key as it is. */
export function registeringKey<K extends RealtimeMcpProxyOptions['apiKey']>(apiKey: K, redactor: Redactor): K {
  if (typeof apiKey !== 'function') return apiKey;
  return (async () => {
    const key = await apiKey();
    redactor.add(key);
    return key;
  }) as K;
}
