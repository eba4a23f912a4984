/**
 * The mock MCP tools the e2e fault and approval tests share. Each answers with the JSON of its
 * arguments (`echo`) unless a fault says otherwise.
 */
import type { MockMcpConfig, MockTool } from '../../harness/mock-mcp/index.js';

const textArg = { type: 'object', properties: { text: { type: 'string' } }, required: ['text'] };

export const lookup: MockTool = { name: 'lookup', description: 'Looks a word up.', inputSchema: textArg, annotations: { readOnlyHint: true } };
export const writeNote: MockTool = { name: 'write_note', description: 'Writes a note.', inputSchema: textArg, annotations: { readOnlyHint: false } };
export const add: MockTool = {
  name: 'add',
  description: 'Adds two numbers.',
  inputSchema: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'], additionalProperties: false },
  annotations: { readOnlyHint: true },
};
/** Read-only and never answers: barge-in cancels it (default policy for read-only tools). */
export const slowRead: MockTool = { name: 'slow_read', description: 'Reads slowly.', inputSchema: textArg, annotations: { readOnlyHint: true }, faults: [{ kind: 'hang' }] };
/** Not read-only and slow: barge-in lets it finish (default policy `finish`). */
export const slowWrite: MockTool = { name: 'slow_write', description: 'Writes slowly.', inputSchema: textArg, annotations: { readOnlyHint: false }, faults: [{ kind: 'delay', ms: 400 }] };
/** Not read-only, never answers: for deadlines. */
export const stuck: MockTool = { name: 'stuck', description: 'Never answers.', inputSchema: textArg, faults: [{ kind: 'hang' }] };
export const boom: MockTool = { name: 'boom', description: 'Fails with a JSON-RPC error.', inputSchema: textArg, faults: [{ kind: 'throw', code: -32603, message: 'database is down' }] };
export const oops: MockTool = { name: 'oops', description: 'Reports a tool error.', inputSchema: textArg, faults: [{ kind: 'isError', text: 'quota exceeded for today' }] };

export function mockConfig(tools: MockTool[], extra: Partial<MockMcpConfig> = {}): MockMcpConfig {
  return { name: 'mock', tools, ...extra };
}
