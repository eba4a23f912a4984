import { createNodeRealtimeMcpProxy } from 'realtime-mcp-proxy/node';

const proxy = createNodeRealtimeMcpProxy({
  apiKey: process.env.OPENAI_API_KEY, // wss://api.openai.com/v1/realtime?model=gpt-realtime by default
  servers: [
    { label: 'memory', command: 'npx', args: ['-y', '@modelcontextprotocol/server-memory'] },
    { label: 'docs', url: 'https://mcp.example.com/mcp', token: process.env.DOCS_TOKEN, timeoutMs: 8_000 },
  ],
  instructions: 'You are a helpful voice assistant. Say you are checking before you call a tool.',
  // Ask a human before any tool that is not marked read-only; deny after 30 s without an answer.
  approval: { mode: 'auto', timeoutMs: 30_000, onRequest: (request) => confirmWithUser(request.functionName, request.arguments) },
});

proxy.on('toolCall.ended', (call) => console.log(call.functionName, call.code, `${(call.outputSentAt ?? 0) - (call.argumentsCompleteAt ?? 0)} ms`));
proxy.on('error', (error) => console.error(error.code, error.message)); // an MCP server down, a bad frame…: the session goes on
await proxy.start();
console.log('ended:', (await proxy.ended).reason);

async function confirmWithUser(tool: string, args: string): Promise<boolean> {
  console.log(`Allow ${tool}(${args})?`);
  return true;
}
