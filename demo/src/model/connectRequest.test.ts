import { describe, expect, it } from 'vitest';
import { emptyRow, rowsToServers } from './connectRequest';
import { allowedToolKeys, defaultPicks, searchTools } from './toolSelection';

describe('rowsToServers', () => {
  it('names servers by position unless labelled, skips empty rows, keeps one header', () => {
    const checked = rowsToServers([emptyRow('http://127.0.0.1:3001/mcp'), emptyRow(''), { url: 'https://example.com/mcp', label: 'docs', headerName: 'Authorization', headerValue: 'Bearer hdr-value' }]);
    expect(checked.problems).toEqual([]);
    expect(checked.servers).toEqual([
      { label: 'mcp1', url: 'http://127.0.0.1:3001/mcp' },
      { label: 'docs', url: 'https://example.com/mcp', headers: { Authorization: 'Bearer hdr-value' } },
    ]);
  });

  it('reports bad URLs, labels and headers without quoting the header value', () => {
    const checked = rowsToServers([
      emptyRow('javascript:alert(1)'),
      { url: 'http://a.test/mcp', label: 'bad label', headerName: '', headerValue: '' },
      { url: 'http://b.test/mcp', label: 'x', headerName: 'X-Key', headerValue: 'hdr\nvalue' },
      { url: 'http://c.test/mcp', label: 'y', headerName: '', headerValue: '' },
      { url: 'http://d.test/mcp', label: 'y', headerName: '', headerValue: '' },
    ]);
    expect(checked.servers).toEqual([{ label: 'y', url: 'http://c.test/mcp' }]);
    expect(checked.problems).toHaveLength(4);
    expect(checked.problems.join(' ')).not.toContain('hdr');
  });

  it('keeps a header named __proto__ as data', () => {
    const checked = rowsToServers([{ url: 'http://a.test/mcp', label: '', headerName: '__proto__', headerValue: 'v1' }]);
    expect(Object.keys(checked.servers[0]!.headers!)).toEqual(['__proto__']);
  });
});

describe('tool selection', () => {
  const tools = [
    { functionName: 'everything__echo', server: 'everything', mcpName: 'echo', description: 'Echoes back the input', inputSchema: {}, offered: true },
    { functionName: 'everything__add', server: 'everything', mcpName: 'add', description: 'Adds two numbers', inputSchema: {}, offered: false, leftOut: 'Left out by the tool limits.' },
  ];

  it('searches every word in names and descriptions', () => {
    expect(searchTools(tools, 'ECHO back').map((tool) => tool.mcpName)).toEqual(['echo']);
    expect(searchTools(tools, '  ')).toHaveLength(2);
  });

  it('starts from what a session offers and sends picks as server/tool keys', () => {
    expect([...defaultPicks(tools)]).toEqual(['everything__echo']);
    expect(allowedToolKeys(tools, new Set(['everything__add', 'gone__tool']))).toEqual(['everything/add']);
  });
});
