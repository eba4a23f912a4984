/**
 * The scenarios of the recordings library (recordings/*.jsonl): each one is a simulator script, a
 * mock MCP server and the proxy's options. `npm run recordings` plays each against a real proxy with
 * recording on; `test/recordings.test.ts` replays every file. Nothing in recordings/ is typed by hand.
 */
import type { MockMcpConfig, MockTool } from '../mock-mcp/index.js';
import type { SimulatorScript } from '../simulator/index.js';
import type { NodeRealtimeMcpProxyOptions } from '../../src/node/realtimeMcpProxy.js';

export interface RecordingScenario {
  /** The file name: recordings/<name>.jsonl. */
  name: string;
  /** One line for recordings/README.md. */
  description: string;
  script: SimulatorScript;
  /** The mock MCP server, or a real stdio server: `memory` spawns server-memory (label `memory`). */
  mock: MockMcpConfig | { stdio: 'memory' };
  /** The mock server's label. Default `mock`. */
  label?: string;
  proxy?: Partial<NodeRealtimeMcpProxyOptions>;
  /** How the host answers approval requests (default: nobody answers). */
  approve?: { approved: boolean; reason?: string };
}

const textArg = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };
const lookup: MockTool = { name: 'lookup', description: 'Looks a word up.', inputSchema: textArg, annotations: { readOnlyHint: true } };
const writeNote: MockTool = { name: 'write_note', description: 'Writes a note.', inputSchema: textArg, annotations: { readOnlyHint: false } };
const add: MockTool = {
  name: 'add',
  description: 'Adds two numbers.',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'], additionalProperties: false },
  annotations: { readOnlyHint: true },
  result: { content: [{ type: 'text', text: '42' }] },
};
const slowRead: MockTool = { name: 'slow_read', description: 'Reads slowly.', inputSchema: textArg, annotations: { readOnlyHint: true }, faults: [{ kind: 'hang' }] };
const stuck: MockTool = { name: 'stuck', description: 'Never answers.', inputSchema: textArg, faults: [{ kind: 'hang' }] };
const oops: MockTool = { name: 'oops', description: 'Reports a tool error.', inputSchema: textArg, faults: [{ kind: 'isError', text: 'quota exceeded for today' }] };
const flaky: MockTool = { name: 'flaky', description: 'Loses its session on the first call.', inputSchema: textArg, annotations: { readOnlyHint: true }, faults: [{ kind: 'expireSession', on: { call: 1 } }] };

const mock = (tools: MockTool[], extra: Partial<MockMcpConfig> = {}): MockMcpConfig => ({ name: 'mock', tools, ...extra });
const steps = (description: string, list: SimulatorScript['steps']): SimulatorScript => ({ description, steps: list });

export const scenarios: RecordingScenario[] = [
  {
    name: 'single-call',
    description: 'One question, one tool call, the output sent, one response.create, the reply quotes it.',
    mock: mock([lookup]),
    script: steps('single call', [{ user: 'Look up tea.' }, { callTool: { name: 'lookup', arguments: { text: 'tea' }, say: 'Let me check.', reply: 'It says {output}.' } }]),
  },
  {
    name: 'two-calls',
    description: 'Two calls in one response: two outputs, then exactly one response.create.',
    mock: mock([lookup, add]),
    script: steps('two calls', [
      { user: 'Look up tea and add 2 and 40.' },
      { callTools: [{ name: 'lookup', arguments: { text: 'tea' } }, { name: 'add', arguments: { a: 2, b: 40 } }], reply: 'Both done: {outputs}.' },
    ]),
  },
  {
    name: 'long-arguments',
    description: 'Arguments of ~2 KB streamed in 40 deltas, joined before the call runs.',
    mock: mock([lookup]),
    script: steps('long streamed arguments', [
      { user: 'Look this long text up.' },
      { callTool: { name: 'lookup', arguments: { text: 'tea, '.repeat(400).trim() }, chunks: 40, reply: 'Done.' } },
    ]),
  },
  {
    name: 'barge-in-arguments',
    description: 'The user interrupts while the arguments stream: the incomplete call never runs and gets no output.',
    mock: mock([lookup]),
    script: steps('barge-in during the arguments', [
      { user: 'Look up tea.' },
      { bargeIn: { during: 'arguments', afterDeltas: 2, user: 'No, wait.' } },
      { callTool: { name: 'lookup', arguments: { text: 'tea' }, chunks: 5, reply: false } },
      { say: 'Okay.' },
    ]),
  },
  {
    name: 'barge-in-slow-call',
    description: 'The user interrupts a hanging read-only call: it is cancelled at the server and one cancelled output is sent.',
    mock: mock([slowRead]),
    script: steps('barge-in during a slow MCP call', [
      { user: 'Read it.' },
      { callTool: { name: 'slow_read', arguments: { text: 'x' }, reply: false } },
      { wait: 300 },
      { user: 'Never mind.' },
      { say: 'Okay, stopped.' },
    ]),
  },
  {
    name: 'approval-approved',
    description: 'A write needs approval (mode always); the host approves; the tool runs.',
    mock: mock([writeNote]),
    proxy: { approval: { mode: 'always' } },
    approve: { approved: true },
    script: steps('approval approved', [{ user: 'Write a note.' }, { callTool: { name: 'write_note', arguments: { text: 'buy tea' }, reply: 'Saved: {output}' } }]),
  },
  {
    name: 'approval-denied',
    description: 'The host denies with a reason; the model is told why; MCP is never called.',
    mock: mock([writeNote]),
    proxy: { approval: { mode: 'always' } },
    approve: { approved: false, reason: 'Not today.' },
    script: steps('approval denied', [{ user: 'Write a note.' }, { callTool: { name: 'write_note', arguments: { text: 'buy tea' }, reply: '{output}' } }]),
  },
  {
    name: 'approval-expired',
    description: 'Nobody answers the approval within 300 ms: an expired output; MCP is never called.',
    mock: mock([writeNote]),
    proxy: { approval: { mode: 'always', timeoutMs: 300 } },
    script: steps('approval expired', [{ user: 'Write a note.' }, { callTool: { name: 'write_note', arguments: { text: 'buy tea' }, reply: '{output}' } }]),
  },
  {
    name: 'mcp-is-error',
    description: 'The tool answers isError: a tool_error output carrying the server’s words.',
    mock: mock([oops]),
    script: steps('MCP isError', [{ user: 'Try it.' }, { callTool: { name: 'oops', arguments: { text: 'x' }, reply: '{output}' } }]),
  },
  {
    name: 'mcp-timeout',
    description: 'A hanging tool and a 300 ms deadline: a timeout output, and the server is told to cancel.',
    mock: mock([stuck]),
    proxy: { timeouts: { defaultMs: 300 } },
    script: steps('MCP timeout', [{ user: 'Do it.' }, { callTool: { name: 'stuck', arguments: { text: 'x' }, reply: '{output}' } }]),
  },
  {
    name: 'mcp-session-expired',
    description: 'The MCP session expires on the call (HTTP 404): the proxy re-initializes, lists again and retries the read-only call.',
    mock: mock([flaky]),
    script: steps('MCP session expiry with re-init', [{ user: 'Try the flaky one.' }, { callTool: { name: 'flaky', arguments: { text: 'x' }, reply: '{output}' } }]),
  },
  {
    name: 'unknown-tool',
    description: 'The model calls a function nobody exposes: an unknown_tool output, and the session goes on.',
    mock: mock([lookup]),
    script: steps('unknown tool', [{ user: 'Do something odd.' }, { callTool: { name: 'does_not_exist', arguments: {}, reply: '{output}' } }, { user: 'Look up tea.' }, { callTool: { name: 'lookup', arguments: { text: 'tea' }, reply: '{output}' } }]),
  },
  {
    name: 'invalid-arguments',
    description: 'Arguments that fail the schema, then text that is not JSON: invalid_arguments outputs, MCP never called.',
    mock: mock([add]),
    script: steps('invalid arguments', [
      { user: 'Add apples.' },
      { callTool: { name: 'add', arguments: { a: 'apples', b: 2 }, reply: '{output}' } },
      { user: 'Add again.' },
      { callTool: { name: 'add', arguments: '{"a": 2, "b":', reply: '{output}' } },
    ]),
  },
  {
    name: 'list-changed',
    description: 'The server announces tools/list_changed mid-session: re-listed, a new session.update carries the new tool, which is then called.',
    mock: mock([lookup], { listChangedAfterCalls: 1 }),
    script: steps('list_changed mid-session', [
      { user: 'Look up tea.' },
      { callTool: { name: 'lookup', arguments: { text: 'tea' }, reply: '{output}' } },
      { wait: 300 },
      { user: 'Now use the new tool.' },
      { callTool: { name: 'mock_list_changed', arguments: {}, reply: 'New tool said {output}' } },
      { wait: 300 },
    ]),
  },
  {
    name: 'native-mcp-approval',
    description: 'Native MCP mode: OpenAI asks to approve its own MCP call (mcp_approval_request); under approval mode always the host is asked and approves; the proxy answers with mcp_approval_response and asks the model to go on.',
    mock: mock([lookup]),
    proxy: { approval: { mode: 'always' }, nativeMcp: [{ type: 'mcp', server_label: 'docs', server_url: 'https://mcp.example.com/mcp', require_approval: 'always' }] as never },
    approve: { approved: true },
    script: steps('native MCP approval', [
      { user: 'Search the docs.' },
      {
        unknownEvent: {
          type: 'conversation.item.done',
          previous_item_id: null,
          item: { id: 'mcpr_native0approval0request0001', object: 'realtime.item', type: 'mcp_approval_request', server_label: 'docs', name: 'search', arguments: '{"query":"tea"}' },
        },
      },
      { wait: 300 },
    ]),
  },
  {
    name: 'active-response-race',
    description: 'The model starts its own reply as the output goes in: the proxy’s response.create is refused, and no second one is sent for the same output.',
    mock: mock([lookup]),
    script: steps('active-response race', [{ user: 'Look up tea.' }, { activeResponseRace: true }, { callTool: { name: 'lookup', arguments: { text: 'tea' }, reply: 'It is {output}' } }, { wait: 200 }]),
  },
  {
    name: 'session-expired',
    description: 'The Realtime session hits its 60-minute cap: the server’s session_expired error, then the socket closes; the session ends with that reason.',
    mock: mock([lookup]),
    script: steps('session_expired', [{ user: 'Hello.' }, { say: 'Hi.' }, { sessionExpired: true }]),
  },
  {
    name: 'stdio-memory',
    description: 'A real stdio MCP server (server-memory, spawned): write an entity, then find it; recorded as JSON-RPC messages.',
    mock: { stdio: 'memory' },
    script: steps('stdio server', [
      { user: 'Remember that Ada likes tea.' },
      { callTool: { name: 'create_entities', arguments: { entities: [{ name: 'Ada', entityType: 'person', observations: ['likes tea'] }] }, reply: 'Saved.' } },
      { user: 'What do you know about Ada?' },
      { callTool: { name: 'search_nodes', arguments: { query: 'Ada' }, reply: 'I found {output}' } },
    ]),
  },
  {
    name: 'legacy-sse',
    description: 'An MCP server that only speaks the legacy HTTP+SSE transport: the proxy falls back to it (after the Streamable HTTP POST is refused) and calls the tool.',
    mock: mock([lookup], { mode: 'sse' }),
    script: steps('legacy SSE server', [{ user: 'Look up tea.' }, { callTool: { name: 'lookup', arguments: { text: 'tea' }, reply: 'It says {output}.' } }]),
  },
];
