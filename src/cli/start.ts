/**
 * `realtime-mcp-proxy start` (and `npm start`): the embedded default. A local Realtime simulator
 * and a bundled MCP server on 127.0.0.1, the proxy between them, and a readable timeline of one
 * full round trip. No key, no network.
 */
import { startMockMcpServer, type MockMcpConfig } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type SimulatorScript } from '../../harness/simulator/index.js';
import { createNodeRealtimeMcpProxy } from '../node/realtimeMcpProxy.js';
import { followProxy, type Line } from './timeline.js';
import { parseFlags, type Command } from './command.js';

/** The bundled MCP server: one weather tool with a fixed answer. */
export const embeddedMcpConfig: MockMcpConfig = {
  name: 'weather',
  tools: [
    {
      name: 'get_weather',
      description: 'The current weather in a city.',
      inputSchema: { type: 'object', properties: { city: { type: 'string', description: 'City name' } }, required: ['city'], additionalProperties: false },
      annotations: { readOnlyHint: true, openWorldHint: false },
      result: { content: [{ type: 'text', text: '18 °C and light rain' }] },
    },
  ],
};

/** What the simulated user and model do. */
export const embeddedScript: SimulatorScript = {
  description: 'One question, one tool call, one spoken answer.',
  steps: [
    { user: "What's the weather in Paris right now?" },
    { callTool: { toolFromSession: 0, arguments: { city: 'Paris' }, say: 'Let me check.', reply: "Right now in Paris it's {output}." } },
  ],
};

const LOCAL_KEY = 'sk-local-simulator';

export async function runStart(write: (text: string) => void): Promise<number> {
  const line: Line = (tag, text) => write(`  ${tag.padEnd(8)} ${text}`);
  write('realtime-mcp-proxy start: the embedded default (a local Realtime simulator and a bundled MCP server on 127.0.0.1; no key, no network)');
  const mcp = await startMockMcpServer(embeddedMcpConfig);
  const simulator = await startRealtimeSimulator({ script: embeddedScript, apiKey: LOCAL_KEY });
  line('mcp', `server "weather" at ${mcp.url}`);
  line('realtime', `simulator at ${simulator.url}`);
  const proxy = createNodeRealtimeMcpProxy({ url: simulator.url, apiKey: LOCAL_KEY, servers: [{ label: 'weather', url: mcp.url }], catalogCache: false });
  followProxy(proxy, line);
  let calls = 0;
  proxy.on('toolCall.ended', () => calls++);
  // The simulator is done once it has sent the reply; the proxy has it once that response.done arrives.
  let requested = false;
  const replyHeard = new Promise<void>((resolve) => {
    proxy.on('response.requested', () => (requested = true));
    proxy.on('realtime.event', (event) => {
      if (requested && event.type === 'response.done') resolve();
    });
  });
  try {
    await proxy.start();
    const outcome = await simulator.done;
    if (outcome.ok) await Promise.race([replyHeard, new Promise((done) => setTimeout(done, 5000))]);
    await proxy.close();
    if (!outcome.ok) {
      write(`Failed to complete the round trip: ${outcome.error ?? 'the simulator script did not finish'}. Please report this as a bug.`);
      return 1;
    }
    write(`Round trip complete: ${calls} tool call${calls === 1 ? '' : 's'} through MCP and back to the model.`);
    return calls > 0 ? 0 : 1;
  } finally {
    await proxy.close();
    await simulator.close();
    await mcp.close();
  }
}

export const startCommand: Command = {
  name: 'start',
  summary: '(default) a full round trip on the embedded default: local Realtime simulator + bundled MCP server',
  usage: `Usage: realtime-mcp-proxy start

Starts a local Realtime simulator and a bundled MCP server on 127.0.0.1, runs the proxy against
them and prints the timeline of one round trip. No key, no network. Takes no flags.

Examples:
  npx realtime-mcp-proxy start
  npm start

Exit codes:
  0  the round trip completed (one tool call through MCP and back to the model)
  1  it did not (a bug: please report it)
  2  bad usage (start takes no flags or arguments)`,
  run: (argv, io) => {
    // Nothing to set: an unknown flag is a mistake, not something to ignore (exit 2).
    parseFlags('start', argv, {});
    return runStart(io.write);
  },
};
