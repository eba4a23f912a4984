/**
 * Records one scenario: the mock MCP server and the simulator on 127.0.0.1, the Node proxy between
 * them with `record: { path }`, until the script has played and the proxy is quiet.
 */
import { startMockMcpServer } from '../mock-mcp/index.js';
import { startRealtimeSimulator } from '../simulator/index.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';
import type { RecordingScenario } from './scenarios.js';

const LOCAL_KEY = 'sk-recordings-local-simulator-key-0000';

export interface RecordedScenario {
  /** The simulator's verdict on the script. */
  ok: boolean;
  error?: string;
}

export async function recordScenario(scenario: RecordingScenario, path: string): Promise<RecordedScenario> {
  const mcp = await startMockMcpServer(scenario.mock);
  const simulator = await startRealtimeSimulator({ script: scenario.script, apiKey: LOCAL_KEY });
  const proxy = createNodeRealtimeMcpProxy({
    url: simulator.url,
    apiKey: LOCAL_KEY,
    servers: [{ label: 'mock', url: mcp.url }],
    catalogCache: false,
    ...scenario.proxy,
    approval: {
      ...scenario.proxy?.approval,
      ...(scenario.approve ? { onRequest: () => scenario.approve } : { onRequest: () => undefined }),
    },
    record: { path, description: scenario.description },
  });
  proxy.on('error', () => undefined);
  try {
    await proxy.start();
    const outcome = await simulator.done;
    // Let the last frames (the reply, a late cancellation) arrive before the recording ends.
    await new Promise((resolve) => setTimeout(resolve, 400));
    return { ok: outcome.ok, ...(outcome.error ? { error: outcome.error } : {}) };
  } finally {
    await proxy.close();
    await simulator.close();
    await mcp.close();
  }
}
