import { describe, expect, it } from 'vitest';
import { fakeTool, FakeMcpConnection } from '../../test/support/fakeMcpConnection.js';
import { ToolCatalog } from '../mcp/catalog.js';
import type { Tool } from '../mcp/types.js';
import { resolveToolSettings, type ToolSettingsOptions } from './toolSettings.js';

/** A real catalog over fake connections: `down` fails to list. */
async function catalogOf(servers: Record<string, Tool[] | 'down'>, prefix = false): Promise<ToolCatalog> {
  const connections = Object.entries(servers).map(([label, tools]) => {
    const connection = new FakeMcpConnection({ label, url: `http://127.0.0.1:1/${label}` }, tools === 'down' ? [] : tools);
    if (tools === 'down') connection.failWith = new Error('connect ECONNREFUSED');
    return connection;
  });
  const catalog = new ToolCatalog(connections, { cache: false, prefix });
  catalog.on('error', () => undefined);
  await catalog.load();
  return catalog;
}

const fsTools = [fakeTool('read_file', { annotations: { readOnlyHint: true } }), fakeTool('delete_file'), fakeTool('dir/list')];

function fatalMessages(options: ToolSettingsOptions, catalog: ToolCatalog): string[] {
  return resolveToolSettings(catalog, options)
    .problems.filter((problem) => problem.fatal)
    .map((problem) => problem.error.message);
}

describe('resolveToolSettings', () => {
  it('keys settings by "server/tool", whatever the function names, and keeps only allowed tools', async () => {
    for (const prefix of [false, true]) {
      const catalog = await catalogOf({ fs: fsTools, web: [fakeTool('delete_file'), fakeTool('fetch')] }, prefix);
      const { byFunctionName, problems } = resolveToolSettings(catalog, {
        allowedTools: ['fs/read_file', 'fs/delete_file', 'fs/dir/list', 'web/fetch'],
        approval: { 'fs/delete_file': 'always', 'web/fetch': 'never' },
        bargeIn: { 'fs/read_file': 'finish' },
        timeoutsMs: { 'fs/dir/list': 1500 },
      });
      expect(problems).toEqual([]);
      const byIdentity = new Map([...byFunctionName.values()].map((settings) => [`${settings.server}/${settings.tool}`, settings]));
      expect([...byIdentity.keys()].sort()).toEqual(['fs/delete_file', 'fs/dir/list', 'fs/read_file', 'web/fetch']);
      expect(byIdentity.get('fs/delete_file')).toMatchObject({ functionName: catalog.find('fs', 'delete_file')!.functionName, approval: 'always' });
      expect(byIdentity.get('fs/read_file')).toMatchObject({ bargeIn: 'finish', annotations: { readOnlyHint: true } });
      expect(byIdentity.get('fs/dir/list')).toMatchObject({ timeoutMs: 1500 });
      expect(byIdentity.get('web/fetch')).toMatchObject({ approval: 'never' });
      expect(byIdentity.get('web/fetch')).not.toHaveProperty('timeoutMs');
      for (const [functionName, settings] of byFunctionName) expect(catalog.byFunctionName(functionName)).toMatchObject({ server: settings.server, mcpName: settings.tool });
    }
  });

  it('takes a predicate on the catalog tool for every setting', async () => {
    const catalog = await catalogOf({ fs: fsTools });
    const { byFunctionName, problems } = resolveToolSettings(catalog, {
      allowedTools: (tool) => tool.mcpName !== 'dir/list',
      approval: (tool) => (tool.annotations?.readOnlyHint ? undefined : 'always'),
      bargeIn: (tool) => (tool.mcpName === 'read_file' ? 'cancel' : undefined),
      timeoutsMs: () => 900,
    });
    expect(problems).toEqual([]);
    expect(Object.fromEntries([...byFunctionName].map(([name, s]) => [name, [s.approval, s.bargeIn, s.timeoutMs]]))).toEqual({
      read_file: [undefined, 'cancel', 900],
      delete_file: ['always', undefined, 900],
    });
  });

  it('treats names as data: servers and tools named like Object.prototype members resolve, absent ones do not', async () => {
    const catalog = await catalogOf({ constructor: [fakeTool('toString'), fakeTool('__proto__')], fs: fsTools });
    const { byFunctionName, problems } = resolveToolSettings(catalog, { allowedTools: ['constructor/toString', 'fs/read_file'], approval: { 'constructor/toString': 'always' } });
    expect(problems).toEqual([]);
    expect([...byFunctionName.values()].map((s) => [s.server, s.tool, s.approval])).toEqual([
      ['constructor', 'toString', 'always'],
      ['fs', 'read_file', undefined],
    ]);
    expect(fatalMessages({ approval: { 'fs/constructor': 'always' } }, catalog)).toEqual([expect.stringContaining('no tool named "constructor" on server "fs"')]);
  });

  it('refuses a key for a tool the server does not offer, listing a handful of real keys, sorted', async () => {
    const many = Array.from({ length: 8 }, (_, index) => fakeTool(`tool_${8 - index}`));
    const catalog = await catalogOf({ fs: [...fsTools, ...many] });
    expect(fatalMessages({ approval: { 'fs/delete_everything': 'always' } }, catalog)).toEqual([
      'Failed to configure approval.tools: no tool named "delete_everything" on server "fs". Please use one of: "fs/delete_file", "fs/dir/list", "fs/read_file", "fs/tool_1", "fs/tool_2" (and 6 more).',
    ]);
  });

  it('refuses a bare tool name, even when one server alone offers it, and says how to write it', async () => {
    const catalog = await catalogOf({ fs: fsTools, web: [fakeTool('fetch')] });
    expect(fatalMessages({ approval: { delete_file: 'always' }, allowedTools: ['nothing_like_it'] }, catalog)).toEqual([
      'Failed to configure allowedTools: "nothing_like_it" names no server. Please write keys as "server/tool" (e.g. "fs/delete_file").',
      'Failed to configure approval.tools: "delete_file" names no server. Please write it as "fs/delete_file".',
    ]);
  });

  it('says which listed tool a misspelt key may have meant, with or without its server', async () => {
    const catalog = await catalogOf({ fs: fsTools, web: [fakeTool('fetch')] });
    expect(fatalMessages({ allowedTools: ['fs/delete_fiel'], approval: { read_fiel: 'always' } }, catalog)).toEqual([
      'Failed to configure allowedTools: no tool named "delete_fiel" on server "fs" (did you mean "fs/delete_file"?). Please use one of: "fs/delete_file", "fs/dir/list", "fs/read_file".',
      'Failed to configure approval.tools: "read_fiel" names no server (did you mean "fs/read_file"?). Please write keys as "server/tool".',
    ]);
  });

  it('refuses a key naming no configured server, and values a setting cannot take', async () => {
    const catalog = await catalogOf({ fs: fsTools, web: [fakeTool('fetch')] });
    expect(fatalMessages({ bargeIn: { 'files/read_file': 'cancel' }, timeoutsMs: { 'fs/read_file': -5 }, approval: { 'fs/read_file': 'sometimes' as never } }, catalog)).toEqual([
      'Failed to configure approval.tools: "fs/read_file" has the value "sometimes". Please use "never" or "always".',
      'Failed to configure bargeIn: no MCP server is labelled "files" (in "files/read_file"). Please use one of: "fs", "web".',
      'Failed to configure timeouts.tools: "fs/read_file" has the value -5. Please use a positive number of milliseconds.',
    ]);
  });

  it('does not fail on a key for a server that could not list: an error to report, and the setting waits for the listing', async () => {
    const catalog = await catalogOf({ fs: fsTools, vault: 'down' });
    const { problems } = resolveToolSettings(catalog, { approval: { 'vault/open': 'always' } });
    expect(problems.map((problem) => [problem.fatal, problem.error.code, problem.error.message])).toEqual([
      [false, 'invalid_options', 'Failed to check approval.tools: MCP server "vault" did not list its tools, so "vault/open" cannot be checked. Please check the server; the setting applies to that tool once it is listed.'],
    ]);
  });

  it('fails closed when a setting function throws or answers nonsense: left out, asked for, or the default; each reported', async () => {
    const catalog = await catalogOf({ fs: fsTools });
    const boom = () => {
      throw new TypeError('host bug');
    };
    const denied = resolveToolSettings(catalog, { allowedTools: boom });
    expect(denied.byFunctionName.size).toBe(0);
    expect(denied.problems).toHaveLength(3);
    expect(denied.problems.every((problem) => !problem.fatal && problem.error.code === 'listener_error')).toBe(true);
    const asked = resolveToolSettings(catalog, { approval: boom, bargeIn: () => 'maybe' as never, timeoutsMs: boom });
    expect([...asked.byFunctionName.values()].map((s) => [s.approval, s.bargeIn, s.timeoutMs])).toEqual([
      ['always', undefined, undefined],
      ['always', undefined, undefined],
      ['always', undefined, undefined],
    ]);
    expect(asked.problems.map((problem) => problem.error.message)).toContain(
      'Failed to apply bargeIn to "fs/read_file": the function returned "maybe". Please return "cancel" or "finish" or undefined; the default applies.',
    );
  });
});
