/**
 * The proxy for Node: the Realtime WebSocket on `ws` (Authorization: Bearer), MCP servers that may
 * be spawned over stdio, and `record: { path }` to record the session to a file.
 */
import type { RecordedProxyOptions } from '../recording/format.js';
import { validateServerConfigs } from '../mcp/serverConfig.js';
import { createRealtimeMcpProxy, type RealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import type { RealtimeMcpProxyOptions } from '../proxy/options.js';
import { registeringKey, sessionRedactor } from '../proxy/sessionRedactor.js';
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
  // Before the recorder creates its file: servers that cannot work leave no recording behind.
  validateServerConfigs(rest.servers);
  // Before the recorder writes its header and before the key function runs: both must know the secrets.
  const redactor = sessionRedactor(rest);
  const transport =
    rest.transport ?? createNodeWebSocketTransport({ ...(rest.url ? { url: rest.url } : {}), ...(rest.apiKey ? { apiKey: registeringKey(rest.apiKey, redactor) } : {}) });
  const recorder =
    rest.recorder ??
    (record
      ? createFileRecorder({
          ...record,
          servers: rest.servers.map((server) => ({ label: server.label, ...(server.url ? { url: server.url } : { transport: 'stdio' as const }) })),
          proxy: recordedProxyOptions(rest),
          redactor,
        })
      : undefined);
  return createRealtimeMcpProxy({ ...rest, redactor, transport, mcp: { stdioTransport: createStdioTransportFactory(), ...rest.mcp }, ...(recorder ? { recorder } : {}) });
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
    ...(options.toolLimits ? { toolLimits: { ...options.toolLimits } } : {}),
    ...(options.instructions !== undefined ? { instructions: options.instructions } : {}),
    ...(options.session ? { session: options.session as Record<string, unknown> } : {}),
    ...(options.nativeMcp ? { nativeMcp: options.nativeMcp } : {}),
  };
}

function isKeyed<T>(setting: PerToolSetting<T> | undefined): setting is Readonly<Record<string, T>> {
  return typeof setting === 'object' && setting !== null;
}
