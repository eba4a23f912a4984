import { ToolCaller, ToolCatalog } from 'realtime-mcp-proxy';
import { createNodeMcpConnection } from 'realtime-mcp-proxy/node';

// The MCP reference test server, spawned over stdio (an `url` instead of `command` reaches a remote one).
const everything = createNodeMcpConnection({
  label: 'everything',
  command: 'npx',
  args: ['-y', '@modelcontextprotocol/server-everything'],
  allowedTools: ['echo', 'get-sum', 'get-tiny-image'],
  timeoutMs: 10_000,
});

const catalog = new ToolCatalog([everything]);
await catalog.load();
// These go into session.update as { type: 'function', name, description, parameters }.
console.log(catalog.functionTools().map((tool) => tool.name));

// A function call as the model makes it: a name and its arguments as JSON text.
const caller = new ToolCaller(catalog);
const calls: Array<[name: string, args: string]> = [
  ['get-sum', '{"a":2,"b":40}'],
  ['get-sum', '{"a":"two"}'],
  ['get-tiny-image', ''],
];
for (const [name, args] of calls) {
  const result = await caller.call(name, args);
  console.log(result.code, result.output);
}
await everything.close();
