/**
 * What one mock server remembers across its sessions: the current tools, call counts per tool, the
 * call log and the request log. Transport-free, so the HTTP layer and the tool handlers share it.
 */
import { ErrorCode } from '@modelcontextprotocol/sdk/types.js';
import type { MockFaultKind, MockMcpConfig, MockTool } from './config.js';
import { listedTool } from './config.js';
import { planCall, planKinds, type MockCallPlan } from './faults.js';

/**
 * How a call ended: `answered` (delays and progress included), `cancelled` (notifications/cancelled
 * arrived), `abandoned` (the session or server closed under it), `unknownTool`, or the fault that
 * decided the answer. `pending` while it runs.
 */
export type MockCallOutcome = 'pending' | 'answered' | 'cancelled' | 'abandoned' | 'unknownTool' | `fault:${MockFaultKind}`;

export interface MockCallRecord {
  tool: string;
  arguments: Record<string, unknown> | undefined;
  /** 1-based, per tool, across the whole server. */
  callNumber: number;
  sessionId?: string;
  requestId: string | number;
  /** The faults applied to this call, in order. */
  faults: MockFaultKind[];
  outcome: MockCallOutcome;
  /** The `reason` of notifications/cancelled, when one arrived. */
  cancelReason?: string;
}

export interface MockRequestRecord {
  method: string;
  /** Path and query, e.g. `/mcp` or `/message?sessionId=…`. */
  path: string;
  /** Request headers, without `authorization`. */
  headers: Record<string, string | string[] | undefined>;
  /** Whether an `authorization` header was sent (its value is never kept). */
  authorization: boolean;
  /** The JSON-RPC methods in the body (responses show as `response`). */
  rpcMethods: string[];
  /** The HTTP status, once the response head is out. */
  status?: number;
}

/** One tools/call in flight, from the moment the HTTP layer saw it. */
export interface MockCallTicket {
  record: MockCallRecord;
  tool: MockTool | undefined;
  plan: MockCallPlan;
  /** This call is the Nth of `listChangedAfterCalls`: toggle a tool and notify before answering. */
  changesToolList: boolean;
  cancelled: boolean;
}

/**
 * A JSON-RPC error whose wire message is exactly `message`. (An SDK `McpError` thrown from a handler
 * goes out as "MCP error <code>: <message>", and the client's McpError then prefixes it again.)
 */
export class RpcError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
  }
}

export const ADDED_TOOL: MockTool = {
  name: 'mock_list_changed',
  description: 'Added by the mock MCP server after listChangedAfterCalls calls.',
  inputSchema: { type: 'object' },
};

export class MockState {
  tools: MockTool[];
  readonly callLog: MockCallRecord[] = [];
  readonly requests: MockRequestRecord[] = [];
  sessionsCreated = 0;
  deletesReceived = 0;
  deletesAbandoned = 0;
  private readonly callCounts = new Map<string, number>();
  private totalCalls = 0;
  /** The last full tool list given (config or setTools): where a toggled tool comes back from. */
  private baseline: MockTool[];

  constructor(readonly config: MockMcpConfig) {
    this.baseline = structuredClone(config.tools);
    this.tools = structuredClone(config.tools);
  }

  setTools(tools: MockTool[]): void {
    this.baseline = structuredClone(tools);
    this.tools = structuredClone(tools);
  }

  /** Counts, logs and plans a tools/call. */
  beginCall(name: string, args: Record<string, unknown> | undefined, requestId: string | number, sessionId?: string): MockCallTicket {
    const tool = this.tools.find((candidate) => candidate.name === name);
    const callNumber = (this.callCounts.get(name) ?? 0) + 1;
    this.callCounts.set(name, callNumber);
    this.totalCalls += 1;
    const plan = tool ? planCall(tool.faults, callNumber) : { lead: [] };
    const record: MockCallRecord = {
      tool: name,
      arguments: args,
      callNumber,
      ...(sessionId === undefined ? {} : { sessionId }),
      requestId,
      faults: planKinds(plan),
      outcome: tool ? 'pending' : 'unknownTool',
    };
    this.callLog.push(record);
    const every = this.config.listChangedAfterCalls;
    const changesToolList = every !== undefined && this.totalCalls % every === 0;
    return { record, tool, plan, changesToolList, cancelled: false };
  }

  /** Adds or removes the `listChangedTool` (or `mock_list_changed`); see `MockMcpConfig.listChangedAfterCalls`. */
  toggleListChangedTool(): void {
    const name = this.config.listChangedTool ?? ADDED_TOOL.name;
    const index = this.tools.findIndex((tool) => tool.name === name);
    if (index >= 0) this.tools.splice(index, 1);
    else this.tools.push(structuredClone(this.baseline.find((tool) => tool.name === name) ?? ADDED_TOOL));
  }

  /** One page of tools/list. Cursors are opaque strings; a bad one is a -32602 error. */
  listPage(cursor: string | undefined): { tools: Record<string, unknown>[]; nextCursor?: string } {
    const size = this.config.pageSize ?? Number.MAX_SAFE_INTEGER;
    const offset = cursor === undefined ? 0 : decodeCursor(cursor);
    const end = offset + size;
    const tools = this.tools.slice(offset, end).map(listedTool);
    return end < this.tools.length ? { tools, nextCursor: encodeCursor(end) } : { tools };
  }
}

function encodeCursor(offset: number): string {
  return Buffer.from(`mock-mcp:${offset}`).toString('base64url');
}

function decodeCursor(cursor: string): number {
  const match = /^mock-mcp:(\d+)$/.exec(Buffer.from(cursor, 'base64url').toString());
  if (!match) throw new RpcError(ErrorCode.InvalidParams, `Invalid cursor: ${cursor}`);
  return Number(match[1]);
}
