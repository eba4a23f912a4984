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
import { createNodeSidebandTransport } from './sidebandTransport.js';
import { ProxyError } from '../errors.js';
import type { RealtimeTransport } from '../protocol/transport.js';
import type { Redactor } from '../redaction/index.js';

export interface NodeRealtimeMcpProxyOptions extends RealtimeMcpProxyOptions {
  /** Record the session to a JSONL file (see recordings/README.md). Secrets are redacted as it is written. */
  record?: Pick<FileRecorderOptions, 'path' | 'ids' | 'idMap' | 'audio' | 'description' | 'meta' | 'model'>;
  /**
   * Attach to an existing WebRTC or SIP call (the sideband, `?call_id=`) instead of starting a session
   * with a model: tools then run here while the browser or the phone holds the audio. Needs `apiKey`
   * (a standard key); `baseUrl` is the Realtime WebSocket endpoint (default wss://api.openai.com/v1/realtime).
   * Not with `url` or `transport`.
   */
  sideband?: { callId: string; baseUrl?: string };
}

export function createNodeRealtimeMcpProxy(options: NodeRealtimeMcpProxyOptions): RealtimeMcpProxy {
  const { record, sideband, ...rest } = options;
  // Before the recorder creates its file: servers that cannot work leave no recording behind.
  validateServerConfigs(rest.servers);
  // Before the recorder writes its header and before the key function runs: both must know the secrets.
  const redactor = sessionRedactor(rest);
  if (sideband?.baseUrl !== undefined) redactor.addUrl(sideband.baseUrl);
  const transport = sideband
    ? sidebandTransport(sideband, rest, redactor)
    : (rest.transport ??
      createNodeWebSocketTransport({ ...(rest.url ? { url: rest.url } : {}), ...(rest.apiKey ? { apiKey: registeringKey(rest.apiKey, redactor) } : {}) }));
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

function sidebandTransport(sideband: NonNullable<NodeRealtimeMcpProxyOptions['sideband']>, options: RealtimeMcpProxyOptions, redactor: Redactor): RealtimeTransport {
  const conflict = options.transport ? 'transport' : options.url !== undefined ? 'url' : undefined;
  if (conflict) {
    throw new ProxyError('invalid_options', `Failed to create the proxy: both \`sideband\` and \`${conflict}\` were given. Please pass one: \`sideband: { callId }\` attaches to a call, \`${conflict}\` connects elsewhere.`);
  }
  if (!options.apiKey) {
    throw new ProxyError('invalid_options', 'Failed to create the proxy: `sideband` needs `apiKey`. Please pass the standard OpenAI key (it stays on this server).');
  }
  return createNodeSidebandTransport({ callId: sideband.callId, apiKey: registeringKey(options.apiKey, redactor), ...(sideband.baseUrl !== undefined ? { baseUrl: sideband.baseUrl } : {}) });
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
