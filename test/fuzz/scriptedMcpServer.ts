/**
 * The MCP side of the fuzzer: a real SDK `Server` reached in process through the proxy's stdio
 * factory (`mcp.stdioTransport`) and the SDK's linked in-memory transports, so no port and no child
 * process. Each call's arguments carry its Realtime `call_id` and the behaviour the fuzzer chose
 * for it (`{"call": "…", "behave": "slow"}`): the server answers, fails (`isError`), throws, hangs
 * until cancelled, or waits until the fuzzer releases it. Every execution is recorded.
 */
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { CallToolRequestSchema, ErrorCode, ListToolsRequestSchema, McpError, type CallToolResult, type Tool } from '@modelcontextprotocol/sdk/types.js';
import type { StdioTransportFactory } from '../../src/mcp/transports.js';
import type { McpServerConfig } from '../../src/mcp/types.js';

export const toolBehaviours = ['answer', 'isError', 'throw', 'hang', 'slow'] as const;
export type ToolBehaviour = (typeof toolBehaviours)[number];

/**
 * `act` changes things (approval in `auto` mode, barge-in lets it finish), `peek` is read-only,
 * `hidden` is the one an allowlist leaves out, `valueOf` is a real tool named like an
 * `Object.prototype` member.
 */
export const fuzzToolNames = ['act', 'peek', 'hidden', 'valueOf'] as const;
export const readOnlyTools: ReadonlySet<string> = new Set(['peek']);

const argumentsSchema = { type: 'object', properties: { call: { type: 'string' }, behave: { type: 'string', enum: [...toolBehaviours] } } } as const;

const tools: Tool[] = fuzzToolNames.map((name) => ({
  name,
  description: `The fuzzer's ${name} tool.`,
  inputSchema: argumentsSchema,
  ...(readOnlyTools.has(name) ? { annotations: { readOnlyHint: true } } : {}),
}));

export interface McpExecution {
  tool: string;
  /** The `call` argument: the Realtime call_id the fuzzer put in the call's arguments. */
  callId: string | undefined;
  behaviour: ToolBehaviour;
  /** `pending` until the handler returns or throws; `aborted` when the client cancelled it. */
  outcome: 'pending' | 'answered' | 'aborted';
}

export interface ScriptedMcpServer {
  readonly config: McpServerConfig;
  readonly stdioTransport: StdioTransportFactory;
  readonly executions: readonly McpExecution[];
  /** Calls waiting for `release` (behaviour `slow`), oldest first. */
  readonly waiting: number;
  /** Lets the oldest waiting call answer; false when none waits. */
  release(): boolean;
  /** Lets every waiting call answer (hanging ones still wait for their cancellation). */
  releaseWaiting(): void;
  /** How many server sessions are still connected. */
  readonly openSessions: number;
}

export function createScriptedMcpServer(label = 'fuzz'): ScriptedMcpServer {
  const executions: McpExecution[] = [];
  const waiting: Array<() => void> = [];
  let openSessions = 0;

  const handleCall = async (name: string, args: Record<string, unknown> | undefined, signal: AbortSignal): Promise<CallToolResult> => {
    const behaviour = (toolBehaviours as readonly unknown[]).includes(args?.behave) ? (args!.behave as ToolBehaviour) : 'answer';
    const execution: McpExecution = { tool: name, callId: typeof args?.call === 'string' ? args.call : undefined, behaviour, outcome: 'pending' };
    executions.push(execution);
    const settle = (outcome: McpExecution['outcome']) => (execution.outcome = outcome);
    if (behaviour === 'hang' || behaviour === 'slow') {
      await new Promise<void>((resolve) => {
        if (behaviour === 'slow') waiting.push(resolve);
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      if (signal.aborted) {
        settle('aborted');
        throw new McpError(ErrorCode.RequestTimeout, 'cancelled by the client');
      }
    }
    settle('answered');
    if (behaviour === 'throw') throw new McpError(ErrorCode.InternalError, `the ${name} tool threw`);
    if (behaviour === 'isError') return { content: [{ type: 'text', text: `the ${name} tool failed` }], isError: true };
    return { content: [{ type: 'text', text: `${name} done for ${String(args?.call)}` }] };
  };

  const connectServer = (): InMemoryTransport => {
    const server = new Server({ name: 'fuzz-mcp', version: '1.0.0' }, { capabilities: { tools: {} } });
    server.setRequestHandler(ListToolsRequestSchema, async () => ({ tools }));
    server.setRequestHandler(CallToolRequestSchema, async (request, extra) => handleCall(request.params.name, request.params.arguments, extra.signal));
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    openSessions++;
    let closed = false;
    server.onclose = () => {
      // The SDK's linked pair reports close from both ends.
      if (!closed) openSessions--;
      closed = true;
    };
    void server.connect(serverSide);
    return clientSide;
  };

  return {
    config: { label, command: 'fuzz-in-memory-server' },
    stdioTransport: () => connectServer(),
    executions,
    get waiting() {
      return waiting.length;
    },
    release() {
      const next = waiting.shift();
      next?.();
      return next !== undefined;
    },
    releaseWaiting() {
      for (const next of waiting.splice(0)) next();
    },
    get openSessions() {
      return openSessions;
    },
  };
}
