/**
 * Records one scenario: the mock MCP server (or a real stdio server) and the simulator on 127.0.0.1,
 * the Node proxy between them with `record: { path }`, until the script has played and the proxy
 * is quiet. A recording in which the proxy attempted a send its encoder refused is not written: the
 * silence that follows would become the expected behaviour of every replay.
 */
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startMockMcpServer } from '../mock-mcp/index.js';
import { startRealtimeSimulator } from '../simulator/index.js';
import type { McpServerConfig } from '../../src/mcp/types.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';
import { createNodeWebSocketTransport } from '../../src/node/webSocketTransport.js';
import { describeRefusedSend, watchRefusedSends, type RefusedSend } from '../../src/protocol/refusedSends.js';
import type { RecordingScenario } from './scenarios.js';

const LOCAL_KEY = 'local-simulator-key-for-recordings';
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface RecordedScenario {
  /** The simulator's verdict on the script, and no send refused. */
  ok: boolean;
  error?: string;
  /** Whether `path` was written (not when a send was refused). */
  written: boolean;
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
  // Written aside, and copied to `path` only when no send was refused.
  const aside = mkdtempSync(join(tmpdir(), 'recording-'));
  const draft = join(aside, 'draft.jsonl');
  let refused: RefusedSend | undefined;
  let stopOnRefusal!: () => void;
  const refusal = new Promise<void>((resolve) => (stopOnRefusal = resolve));
  const transport = watchRefusedSends(createNodeWebSocketTransport({ url: simulator.url, apiKey: LOCAL_KEY }), (refusedSend) => {
    refused ??= refusedSend;
    stopOnRefusal();
  });
  const proxy = createNodeRealtimeMcpProxy({
    url: simulator.url,
    apiKey: LOCAL_KEY,
    transport,
    servers: [server],
    catalogCache: false,
    ...scenario.proxy,
    approval: {
      ...scenario.proxy?.approval,
      ...(scenario.approve ? { onRequest: () => scenario.approve } : { onRequest: () => undefined }),
    },
    record: { path: draft, description: scenario.description },
  });
  cleanups.push(() => proxy.close());
  proxy.on('error', () => undefined);
  let outcome: { ok: boolean; error?: string } = { ok: false, error: 'the scenario did not finish' };
  try {
    await proxy.start();
    // A refused send may leave the script waiting for what never went out: it ends the scenario.
    outcome = (await Promise.race([simulator.done, refusal])) ?? outcome;
    // Let the last frames (the reply, a late cancellation) arrive before the recording ends.
    if (!refused) await new Promise((resolve) => setTimeout(resolve, 400));
  } finally {
    try {
      // The proxy closes first, and with it the draft.
      for (const cleanup of cleanups.reverse()) await cleanup();
      if (!refused && existsSync(draft)) copyFileSync(draft, path);
    } finally {
      rmSync(aside, { recursive: true, force: true });
    }
  }
  if (refused) return { ok: false, written: false, error: `the proxy attempted a send its encoder refused, so the recording was not written: ${describeRefusedSend(refused)}` };
  return { ok: outcome.ok, written: true, ...(outcome.error ? { error: outcome.error } : {}) };
}
