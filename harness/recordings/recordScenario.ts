/**
 * Records one scenario: the mock MCP server (or a real stdio server) and the simulator on 127.0.0.1,
 * the Node proxy between them with `record: { path }`, until the script has played and the proxy
 * is quiet.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockMcpServer } from '../mock-mcp/index.js';
import { startRealtimeSimulator } from '../simulator/index.js';
import type { McpServerConfig } from '../../src/mcp/types.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';
import type { RecordingScenario } from './scenarios.js';

const LOCAL_KEY = 'local-simulator-key-for-recordings';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RecordedScenario {
  /** The simulator's verdict on the script. */
  ok: boolean;
  error?: string;
}

export async function recordScenario(scenario: RecordingScenario, path: string): Promise<RecordedScenario> {
  const cleanups: Array<() => Promise<void> | void> = [];
  let server: McpServerConfig;
  if ('stdio' in scenario.mock) {
    const folder = mkdtempSync(join(tmpdir(), 'recordings-memory-'));
    cleanups.push(() => rmSync(folder, { recursive: true, force: true }));
    server = {
      label: 'memory',
      command: process.execPath,
      args: [join(root, 'node_modules/@modelcontextprotocol/server-memory/dist/index.js')],
      env: { MEMORY_FILE_PATH: join(folder, 'memory.jsonl'), PATH: process.env.PATH ?? '' },
    };
  } else {
    const mcp = await startMockMcpServer(scenario.mock);
    cleanups.push(() => mcp.close());
    server = { label: scenario.label ?? 'mock', url: mcp.url };
  }
  const simulator = await startRealtimeSimulator({ script: scenario.script, apiKey: LOCAL_KEY });
  cleanups.push(() => simulator.close());
  const proxy = createNodeRealtimeMcpProxy({
    url: simulator.url,
    apiKey: LOCAL_KEY,
    servers: [server],
    catalogCache: false,
    ...scenario.proxy,
    approval: {
      ...scenario.proxy?.approval,
      ...(scenario.approve ? { onRequest: () => scenario.approve } : { onRequest: () => undefined }),
    },
    record: { path, description: scenario.description },
  });
  cleanups.push(() => proxy.close());
  proxy.on('error', () => undefined);
  try {
    await proxy.start();
    const outcome = await simulator.done;
    // Let the last frames (the reply, a late cancellation) arrive before the recording ends.
    await new Promise((resolve) => setTimeout(resolve, 400));
    return { ok: outcome.ok, ...(outcome.error ? { error: outcome.error } : {}) };
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup();
  }
}
