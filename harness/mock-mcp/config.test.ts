import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadMockMcpConfig, validateMockMcpConfig, validateMockTools } from './config.js';

const PREFIX = 'Failed to load the mock MCP config: ';

function problemOf(value: unknown): string {
  try {
    validateMockMcpConfig(value);
  } catch (error) {
    const message = (error as Error).message;
    expect(message.startsWith(PREFIX)).toBe(true);
    expect(message).toMatch(/\. Please fix it \(MockMcpConfig in harness\/mock-mcp\/config\.ts describes the format\)\.$/);
    return message.slice(PREFIX.length, message.indexOf('. Please'));
  }
  throw new Error('expected the config to be rejected');
}

describe('validateMockMcpConfig', () => {
  it('accepts a full config and returns a copy', () => {
    const config = {
      mode: 'sse',
      name: 'm',
      version: '1',
      pageSize: 2,
      listDelayMs: 5,
      requireBearer: 't',
      listChangedAfterCalls: 3,
      listChangedTool: 'a',
      jsonResponse: false,
      tools: [
        {
          name: 'a',
          title: 'A',
          description: 'd',
          inputSchema: { type: 'object', properties: { x: { type: 'number' } } },
          outputSchema: { type: 'object', properties: { y: { type: 'string' } } },
          annotations: { readOnlyHint: true },
          execution: { taskSupport: 'optional' },
          result: { content: [{ type: 'text', text: 'hi' }], structuredContent: { y: 'hi' } },
          faults: [
            { kind: 'delay', ms: 10, on: { call: 2 } },
            { kind: 'hang', on: { every: true } },
            { kind: 'isError', text: 'x' },
            { kind: 'throw', code: -32000, message: 'm' },
            { kind: 'http500' },
            { kind: 'httpStatus', status: 502 },
            { kind: 'expireSession' },
            { kind: 'malformedSse' },
            { kind: 'hugeResult', bytes: 10 },
            { kind: 'progress', steps: 2, intervalMs: 0 },
            { kind: 'invalidStructuredContent' },
          ],
        },
        { name: 'b', result: 'echo' },
      ],
    };
    const checked = validateMockMcpConfig(config);
    expect(checked).toEqual(config);
    expect(checked).not.toBe(config);
    expect(checked.tools[0]).not.toBe(config.tools[0]);
  });

  it.each([
    [null, 'config must be an object'],
    [[], 'config must be an object'],
    [{}, 'tools must be an array of tools'],
    [{ tools: [], mode: 'http' }, 'mode must be one of stateful, stateless, sse (got "http")'],
    [{ tools: [], port: 1 }, 'port is not a known key (known: mode, name, version, pageSize, listDelayMs, tools, requireBearer, echoRejectedCredentials, listChangedAfterCalls, listChangedTool, jsonResponse, hangDelete)'],
    [{ tools: [], pageSize: 0 }, 'pageSize must be an integer ≥ 1 (got 0)'],
    [{ tools: [], pageSize: 1.5 }, 'pageSize must be an integer ≥ 1 (got 1.5)'],
    [{ tools: [], listDelayMs: -1 }, 'listDelayMs must be an integer ≥ 0 (got -1)'],
    [{ tools: [], listDelayMs: '100' }, 'listDelayMs must be an integer ≥ 0 (got "100")'],
    [{ tools: [], requireBearer: '' }, 'requireBearer must not be empty'],
    [{ tools: [], jsonResponse: 'yes' }, 'jsonResponse must be a boolean'],
    [{ tools: [], hangDelete: 1 }, 'hangDelete must be a boolean'],
    [{ tools: [], echoRejectedCredentials: true }, 'echoRejectedCredentials needs requireBearer'],
    [{ tools: [], requireBearer: 't', echoRejectedCredentials: 'yes' }, 'echoRejectedCredentials must be a boolean'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'echoRequest', as: 'log' }] }] }, 'tools[0].faults[0].as must be one of result, isError, throw (got "log")'],
    [{ tools: [{ name: 'a' }], listChangedTool: 'a' }, 'listChangedTool needs listChangedAfterCalls'],
    [{ tools: [{ name: 'a' }], listChangedAfterCalls: 1, listChangedTool: 'b' }, 'listChangedTool names no tool in tools (got "b")'],
    [{ tools: ['a'] }, 'tools[0] must be an object'],
    [{ tools: [{ name: '' }] }, 'tools[0].name must be a non-empty string'],
    [{ tools: [{ name: 'a' }, { name: 'a' }] }, 'tools[1].name repeats the tool name "a"'],
    [{ tools: [{ name: 'a', fautls: [] }] }, 'tools[0].fautls is not a known key (known: name, title, description, inputSchema, outputSchema, annotations, execution, result, faults)'],
    [{ tools: [{ name: 'a', description: 3 }] }, 'tools[0].description must be a string'],
    [{ tools: [{ name: 'a', inputSchema: { type: 'string' } }] }, 'tools[0].inputSchema.type must be "object"'],
    [{ tools: [{ name: 'a', outputSchema: [] }] }, 'tools[0].outputSchema must be an object'],
    [{ tools: [{ name: 'a', execution: { taskSupport: 'always' } }] }, expect.stringMatching(/^tools\[0\]\.execution\.taskSupport is not valid MCP \(/)],
    [{ tools: [{ name: 'a', result: { content: 'hi' } }] }, expect.stringMatching(/^tools\[0\]\.result\.content is not valid MCP \(/)],
    [{ tools: [{ name: 'a', faults: {} }] }, 'tools[0].faults must be an array'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'explode' }] }] }, expect.stringMatching(/^tools\[0\]\.faults\[0\]\.kind must be one of delay, hang, /)],
    [{ tools: [{ name: 'a', faults: [{ kind: 'delay' }] }] }, 'tools[0].faults[0].ms must be an integer ≥ 0 (got undefined)'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'hang', ms: 3 }] }] }, 'tools[0].faults[0].ms is not a known key (known: kind, on)'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'hang', on: { call: 0 } }] }] }, 'tools[0].faults[0].on.call must be an integer ≥ 1 (got 0)'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'hang', on: { every: 'yes' } }] }] }, 'tools[0].faults[0].on.every must be a boolean'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'hang', on: { nth: 2 } }] }] }, 'tools[0].faults[0].on.nth is not a known key (known: call, every)'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'progress', steps: 0, intervalMs: 1 }] }] }, 'tools[0].faults[0].steps must be an integer ≥ 1 (got 0)'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'throw', code: 'E' }] }] }, 'tools[0].faults[0].code must be an integer (got "E")'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'hugeResult', bytes: -1 }] }] }, 'tools[0].faults[0].bytes must be an integer ≥ 0 (got -1)'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'httpStatus', status: 302 }] }] }, 'tools[0].faults[0].status must be an integer ≥ 400 (got 302)'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'httpStatus', status: 600 }] }] }, 'tools[0].faults[0].status must be an HTTP error status, 400–599 (got 600)'],
    [{ mode: 'stateless', tools: [{ name: 'a', faults: [{ kind: 'expireSession' }] }] }, 'tools[0].faults[0].kind expireSession needs sessions (mode stateful or sse)'],
    [{ tools: [{ name: 'a', faults: [{ kind: 'invalidStructuredContent' }] }] }, 'tools[0].faults[0] needs structuredContent, or an outputSchema on the tool'],
    [
      { tools: [{ name: 'a', outputSchema: { type: 'object' }, faults: [{ kind: 'invalidStructuredContent' }] }] },
      'tools[0].faults[0] needs structuredContent, or an outputSchema with properties or required',
    ],
  ])('rejects %j: %s', (value, problem) => {
    expect(problemOf(value)).toEqual(problem);
  });
});

describe('validateMockTools', () => {
  it('checks a tool list on its own, against the mode', () => {
    expect(validateMockTools([{ name: 'x' }])).toEqual([{ name: 'x' }]);
    expect(() => validateMockTools([{ name: 'x', faults: [{ kind: 'expireSession' }] }], 'stateless')).toThrow(
      'Failed to load the mock MCP config: tools[0].faults[0].kind expireSession needs sessions (mode stateful or sse). Please',
    );
  });
});

describe('loadMockMcpConfig', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
    dir = undefined;
  });

  async function file(name: string, text: string): Promise<string> {
    dir ??= await mkdtemp(join(tmpdir(), 'mock-mcp-'));
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  }

  it('reads and validates a file', async () => {
    const path = await file('ok.json', JSON.stringify({ mode: 'stateless', tools: [{ name: 'a' }] }));
    expect(await loadMockMcpConfig(path)).toEqual({ mode: 'stateless', tools: [{ name: 'a' }] });
  });

  it('names the file in every error', async () => {
    const bad = await file('bad.json', '{"tools": [');
    await expect(loadMockMcpConfig(bad)).rejects.toThrow(new RegExp(`^Failed to load the mock MCP config: ${bad}: is not JSON \\(`));
    const wrong = await file('wrong.json', '{"tools": [{"name": 1}]}');
    await expect(loadMockMcpConfig(wrong)).rejects.toThrow(`Failed to load the mock MCP config: ${wrong}: tools[0].name must be a non-empty string. Please`);
    const missing = join(tmpdir(), 'mock-mcp-does-not-exist.json');
    await expect(loadMockMcpConfig(missing)).rejects.toThrow(`Failed to load the mock MCP config: ${missing}: cannot be read (`);
  });
});
