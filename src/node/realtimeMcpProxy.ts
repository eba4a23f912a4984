/**
 * The proxy for Node: the Realtime WebSocket on `ws` (Authorization: Bearer), MCP servers that may
 * be spawned over stdio, and `record: { path }` to record the session to a file.
 */
import type { RecordedProxyOptions } from '../recording/format.js';
import { DENIED_HEADERS } from '../recording/redaction.js';
import { createRealtimeMcpProxy, type RealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import type { RealtimeMcpProxyOptions } from '../proxy/options.js';
import type { PerToolSetting } from '../proxy/toolSettings.js';
import { createFileRecorder, type FileRecorderOptions } from './fileRecorder.js';
import { createStdioTransportFactory } from './mcpConnection.js';
import { createNodeWebSocketTransport } from './webSocketTransport.js';

export interface NodeRealtimeMcpProxyOptions extends RealtimeMcpProxyOptions {
  /** Record the session to a JSONL file (see recordings/README.md). Secrets are redacted as it is written. */
  record?: Pick<FileRecorderOptions, 'path' | 'ids' | 'idMap' | 'audio' | 'description' | 'meta' | 'model'>;
}

export function createNodeRealtimeMcpProxy(options: NodeRealtimeMcpProxyOptions): RealtimeMcpProxy {
  const { record, ...rest } = options;
  const transport =
    rest.transport ?? createNodeWebSocketTransport({ ...(rest.url ? { url: rest.url } : {}), ...(rest.apiKey ? { apiKey: rest.apiKey } : {}) });
  const recorder =
    rest.recorder ??
    (record
      ? createFileRecorder({
          ...record,
          servers: rest.servers.map((server) => ({ label: server.label, ...(server.url ? { url: server.url } : { transport: 'stdio' as const }) })),
          proxy: recordedProxyOptions(rest),
          secrets: secretsOf(rest),
        })
      : undefined);
  return createRealtimeMcpProxy({ ...rest, transport, mcp: { stdioTransport: createStdioTransportFactory(), ...rest.mcp }, ...(recorder ? { recorder } : {}) });
}

/** The options a replay needs to behave the same way (no functions, nothing secret). */
export function recordedProxyOptions(options: RealtimeMcpProxyOptions): RecordedProxyOptions {
  const { mode, tools, timeoutMs } = options.approval ?? {};
  // Per-tool settings given as functions cannot be written down: only their keyed forms are recorded.
  const approval = { ...(mode ? { mode } : {}), ...(isKeyed(tools) ? { tools: { ...tools } } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) };
  const { defaultMs, tools: toolTimeouts, configureMs } = options.timeouts ?? {};
  const timeouts = {
    ...(defaultMs !== undefined ? { defaultMs } : {}),
    ...(isKeyed(toolTimeouts) ? { tools: { ...toolTimeouts } } : {}),
    ...(configureMs !== undefined ? { configureMs } : {}),
  };
  return {
    ...(Object.keys(approval).length > 0 ? { approval } : {}),
    ...(Object.keys(timeouts).length > 0 ? { timeouts } : {}),
    ...(options.responseCreate ? { responseCreate: options.responseCreate } : {}),
    ...(Array.isArray(options.allowedTools) ? { allowedTools: [...(options.allowedTools as readonly string[])] } : {}),
    ...(isKeyed(options.bargeIn) ? { bargeIn: { ...options.bargeIn } } : {}),
    ...(options.prefixToolNames === true ? { prefixToolNames: true } : {}),
    ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
    ...(options.session ? { session: options.session as Record<string, unknown> } : {}),
    ...(options.nativeMcp ? { nativeMcp: options.nativeMcp } : {}),
  };
}

function isKeyed<T>(setting: PerToolSetting<T> | undefined): setting is Readonly<Record<string, T>> {
  return typeof setting === 'object' && setting !== null;
}

const SECRET_NAME = /token|secret|key|password|auth/i;

/** Values the recorder must never write: the API key and every MCP token or header value. */
function secretsOf(options: RealtimeMcpProxyOptions): string[] {
  const secrets: string[] = [];
  if (typeof options.apiKey === 'string') secrets.push(options.apiKey);
  for (const server of options.servers) {
    if (typeof server.token === 'string') secrets.push(server.token);
    // Not every header or variable is a secret (content types, PATH): only those named like one.
    for (const [name, value] of Object.entries(server.headers ?? {})) if (DENIED_HEADERS.test(name) || SECRET_NAME.test(name)) secrets.push(value.replace(/^Bearer\s+/i, ''));
    for (const [name, value] of Object.entries(server.env ?? {})) if (SECRET_NAME.test(name)) secrets.push(value);
  }
  return secrets;
}
