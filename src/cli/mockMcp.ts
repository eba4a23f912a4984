/**
 * `realtime-mcp-proxy mock-mcp`: a mock MCP server (Streamable HTTP) on 127.0.0.1 until SIGINT or
 * SIGTERM. Its tools come from a recording (`--from`: the recorded tools/list, and per tool the
 * answer to its first recorded tools/call), a config file (`--config`, MockMcpConfig), or the
 * bundled weather tool. The first line printed is `mcp <label> <url>`.
 */
import { loadMockMcpConfig, startMockMcpServer, validateMockMcpConfig, type MockMcpConfig, type MockTool } from '../../harness/mock-mcp/index.js';
import { ProxyError } from '../errors.js';
import { readRecordingLines } from '../node/readRecording.js';
import { parseFlags, usageError, type Command, type CommandIo } from './command.js';
import { embeddedMcpConfig } from './start.js';
import { isJsonObject } from '../isJsonObject.js';

export const mockMcpUsage = `Usage: realtime-mcp-proxy mock-mcp [--from recording.jsonl | --config tools.json] [options]

Serves a mock MCP server (Streamable HTTP) on 127.0.0.1 until Ctrl-C (SIGINT) or SIGTERM. The
first line printed is \`mcp <label> <url>\`; give it to \`connect --mcp label=url\`.

  --from FILE      tools and answers from a recording: the recorded tools/list, and for each tool
                   the answer to its first recorded tools/call (a tool never called answers with
                   an error saying so)
  --config FILE    a MockMcpConfig JSON file (see harness/mock-mcp/README.md): tools, results, faults
                   (without --from or --config: the bundled weather tool of \`start\`)
  --label L        with --from: which recorded server (default: the first in the recording);
                   otherwise the label printed (default: the config's name)
  --port N         the port (default: any free one)

Exit code: 0 stopped by Ctrl-C or SIGTERM; 1 the server could not start (the port is taken or not
allowed); 2 bad flags, or a --from/--config file that cannot be read or used.

Examples:
  realtime-mcp-proxy mock-mcp                                   # the bundled weather tool
  realtime-mcp-proxy mock-mcp --from session.jsonl
  realtime-mcp-proxy mock-mcp --from session.jsonl --label weather --port 4000
  realtime-mcp-proxy mock-mcp --config tools.json --port 4000
  # then, in another terminal:
  realtime-mcp-proxy connect --mcp weather=http://127.0.0.1:4000/mcp`;

export interface MockMcpCliOptions {
  from?: string;
  config?: string;
  label?: string;
  port: number;
}

export function parseMockMcpArgs(argv: string[]): MockMcpCliOptions {
  const { values } = parseFlags('mock-mcp', argv, {
    from: { type: 'string' },
    config: { type: 'string' },
    label: { type: 'string' },
    port: { type: 'string' },
  });
  if (values.from !== undefined && values.config !== undefined) throw usageError('mock-mcp', '--from and --config cannot be combined (pick one source of tools)');
  const port = values.port === undefined ? 0 : Number(values.port);
  if (!(Number.isInteger(port) && port >= 0 && port <= 65535)) throw usageError('mock-mcp', `--port must be an integer from 0 to 65535 (got "${values.port}")`);
  if (values.label !== undefined && values.label.trim() === '') throw usageError('mock-mcp', '--label must not be empty');
  return {
    port,
    ...(values.from !== undefined ? { from: values.from } : {}),
    ...(values.config !== undefined ? { config: values.config } : {}),
    ...(values.label !== undefined ? { label: values.label } : {}),
  };
}

/** What a recording gives for one server. */
export interface RecordedMock {
  label: string;
  config: MockMcpConfig;
  /** Tools whose answer was recorded. */
  answered: string[];
}

const TOOL_FIELDS = ['name', 'title', 'description', 'inputSchema', 'outputSchema', 'annotations', 'execution'] as const;

/**
 * Builds a mock config from a recording, streamed: the tools of server `label` (default the first
 * in the header, or the first seen) from its tools/list answers, each with the answer to its first
 * answered tools/call. Throws a ProxyError `invalid_options` for a bad file or a label it lacks.
 */
export async function mockConfigFromRecording(path: string, label?: string): Promise<RecordedMock> {
  const fail = (why: string, please: string): never => {
    throw new ProxyError('invalid_options', `Failed to build a mock MCP server from ${path}: ${why}. Please ${please}.`);
  };
  let chosen = label;
  let recordedLabels: string[] = [];
  const tools = new Map<string, MockTool>();
  const answers = new Map<string, Pick<MockTool, 'result' | 'faults'>>();
  let serverInfo: { name?: string; version?: string } | undefined;
  /** rid → the JSON-RPC requests it carried that still wait for an answer (id → what it asked). */
  const pending = new Map<string, Map<string | number, { method: string; tool?: string }>>();
  let sawLabel = false;

  for await (const line of readRecordingLines(path)) {
    if (line.kind === 'header') {
      recordedLabels = (line.servers ?? []).map((server) => server.label);
      if (chosen !== undefined && recordedLabels.length > 0 && !recordedLabels.includes(chosen)) {
        fail(`it has no MCP server "${chosen}" (it has ${recordedLabels.map((name) => `"${name}"`).join(', ')})`, 'pass one of those to --label');
      }
      chosen ??= recordedLabels[0];
      continue;
    }
    if (!line.peer.startsWith('mcp:')) continue;
    const peerLabel = line.peer.slice(4);
    chosen ??= peerLabel;
    if (peerLabel !== chosen) continue;
    sawLabel = true;
    if (line.kind === 'http.request') {
      const asked = new Map<string | number, { method: string; tool?: string }>();
      for (const message of messagesOf(line.body)) {
        if (typeof message.method !== 'string' || (typeof message.id !== 'string' && typeof message.id !== 'number')) continue;
        const params = isJsonObject(message.params) ? message.params : {};
        asked.set(message.id, { method: message.method, ...(typeof params.name === 'string' ? { tool: params.name } : {}) });
      }
      if (asked.size > 0) pending.set(line.rid, asked);
      continue;
    }
    if (line.kind !== 'http.response' && line.kind !== 'sse.event') continue;
    const answer = line.kind === 'http.response' ? line.body : line.data;
    if (answer === undefined) continue;
    const asked = pending.get(line.rid);
    if (!asked) continue;
    for (const message of messagesOf(answer)) {
      if (typeof message.id !== 'string' && typeof message.id !== 'number') continue;
      const request = asked.get(message.id);
      if (!request) continue;
      asked.delete(message.id);
      const result = isJsonObject(message.result) ? message.result : undefined;
      if (request.method === 'initialize' && result && isJsonObject(result.serverInfo)) {
        const info = result.serverInfo;
        serverInfo = { ...(typeof info.name === 'string' ? { name: info.name } : {}), ...(typeof info.version === 'string' ? { version: info.version } : {}) };
      } else if (request.method === 'tools/list' && result && Array.isArray(result.tools)) {
        for (const tool of result.tools) {
          if (!isJsonObject(tool) || typeof tool.name !== 'string' || tools.has(tool.name)) continue;
          const listed: Record<string, unknown> = {};
          for (const field of TOOL_FIELDS) if (tool[field] !== undefined) listed[field] = tool[field];
          tools.set(tool.name, listed as unknown as MockTool);
        }
      } else if (request.method === 'tools/call' && request.tool !== undefined && !answers.has(request.tool)) {
        if (result) answers.set(request.tool, { result: result as MockTool['result'] & object });
        else if (isJsonObject(message.error)) {
          const { code, message: text } = message.error;
          answers.set(request.tool, {
            faults: [{ kind: 'throw', ...(Number.isSafeInteger(code) ? { code: code as number } : {}), ...(typeof text === 'string' ? { message: text } : {}) }],
          });
        }
      }
    }
    if (asked.size === 0) pending.delete(line.rid);
  }

  if (chosen === undefined || !sawLabel) {
    fail(chosen === undefined ? 'it has no MCP traffic' : `it has no MCP traffic of server "${chosen}"`, 'record a session that lists the tools of an MCP server');
  }
  if (tools.size === 0) fail(`it has no tools/list answer from server "${chosen}"`, 'record a session in which the proxy listed the tools');
  const config: MockMcpConfig = {
    name: serverInfo?.name ?? chosen!,
    ...(serverInfo?.version ? { version: serverInfo.version } : {}),
    tools: [...tools.values()].map((tool) => ({
      ...tool,
      ...(answers.get(tool.name) ?? {
        result: { content: [{ type: 'text', text: `No answer to ${tool.name} was recorded in ${path} (the recorded session never called it).` }], isError: true },
      }),
    })),
  };
  try {
    validateMockMcpConfig(config);
  } catch (error) {
    fail(`what it recorded is not a valid mock (${(error as Error).message.replace(/^Failed to load the mock MCP config: /, '').replace(/\. Please.*$/s, '')})`, 'check the recording');
  }
  return { label: chosen!, config, answered: [...answers.keys()].filter((name) => tools.has(name)) };
}

/** Resolves when the process gets SIGINT or SIGTERM. */
function untilSignal(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Serves until `until` resolves (default: SIGINT or SIGTERM); resolves with the exit code. */
export async function runMockMcp(options: MockMcpCliOptions, io: CommandIo, until: () => Promise<void> = untilSignal): Promise<number> {
  let label: string;
  let config: MockMcpConfig;
  let source: string;
  if (options.from !== undefined) {
    const recorded = await mockConfigFromRecording(options.from, options.label);
    ({ label, config } = recorded);
    source = `${options.from} (${recorded.answered.length} of ${config.tools.length} tool${config.tools.length === 1 ? '' : 's'} with a recorded answer)`;
  } else if (options.config !== undefined) {
    try {
      config = await loadMockMcpConfig(options.config);
    } catch (error) {
      throw new ProxyError('invalid_options', (error as Error).message, { cause: error });
    }
    label = options.label ?? config.name ?? 'mock';
    source = options.config;
  } else {
    config = embeddedMcpConfig;
    label = options.label ?? 'weather';
    source = 'the bundled weather tool';
  }
  const stopped = until();
  let server;
  try {
    server = await startMockMcpServer(config, { port: options.port });
  } catch (error) {
    const e = error as Error & { code?: string };
    const why = e.code === 'EADDRINUSE' ? `port ${options.port} is in use` : e.code === 'EACCES' ? `port ${options.port} is not allowed` : e.message.replace(/\.$/, '');
    io.writeError(`Failed to start the mock MCP server: ${why}. Please pick another --port, or leave it out for any free port.`);
    return 1;
  }
  io.write(`mcp ${label} ${server.url}`);
  io.write(`serving ${config.tools.length} tool${config.tools.length === 1 ? '' : 's'} (${config.tools.map((tool) => tool.name).join(', ')}) from ${source}; Ctrl-C stops it`);
  await stopped;
  await server.close();
  io.write('stopped');
  return 0;
}

function messagesOf(body: unknown): Array<Record<string, unknown>> {
  let value = body;
  if (typeof body === 'string') {
    try {
      value = JSON.parse(body);
    } catch {
      return [];
    }
  }
  if (Array.isArray(value)) return value.filter(isJsonObject);
  return isJsonObject(value) ? [value] : [];
}


export const mockMcpCommand: Command = {
  name: 'mock-mcp',
  summary: 'serve a mock MCP server on 127.0.0.1 from a recording or a config file',
  usage: mockMcpUsage,
  run: (argv, io) => runMockMcp(parseMockMcpArgs(argv), io),
};
