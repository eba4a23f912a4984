/**
 * A recording built from real traffic: the server events of a real (beta-era, WebRTC) session in
 * ../shared/captures/beta-webrtc-log1.jsonl, which ends with a `transferToSupervisor` function call,
 * are played into a real proxy (over the in-memory transport, with the recorder on) whose MCP server
 * offers that tool. The recording it makes then replays green, and fails when the tool's answer
 * changes. The capture is read from the shared folder, never copied here; without it the test skips
 * with a visible message.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startMockMcpServer, type MockTool } from '../harness/mock-mcp/index.js';
import { createFileRecorder } from '../src/node/fileRecorder.js';
import { replayRecording } from '../src/node/replay.js';
import { createMemoryTransport } from '../src/protocol/memoryTransport.js';
import { createRealtimeMcpProxy } from '../src/proxy/createRealtimeMcpProxy.js';

const capture = resolve(dirname(fileURLToPath(import.meta.url)), '../../shared/captures/beta-webrtc-log1.jsonl');
const present = existsSync(capture);
if (!present) console.warn(`[recordings.captures.test] Skipping: the capture was not found at ${capture}.`);

const dir = mkdtempSync(join(tmpdir(), 'rmp-capture-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const transfer: MockTool = {
  name: 'transferToSupervisor',
  description: 'Hands the call to a supervisor.',
  inputSchema: { type: 'object', properties: { destination_agent_name: { type: 'string' }, reason: { type: 'string' }, conversation_summary: { type: 'string' } } },
  result: { content: [{ type: 'text', text: 'Transferred to marco_supervisor_biller.' }] },
};

describe.skipIf(!present)('a recording built from a real capture', () => {
  it('records the real server events through the proxy, then replays green; a changed tool answer fails', async () => {
    const events = readFileSync(capture, 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '')
      .map((line) => JSON.parse(line) as { dir: 'in' | 'out'; event: Record<string, unknown> })
      .filter((line) => line.dir === 'in')
      .map((line) => line.event);
    expect(events.length).toBeGreaterThan(400);

    const mcp = await startMockMcpServer({ name: 'billing', tools: [transfer] });
    const path = join(dir, 'capture.jsonl');
    const transport = createMemoryTransport();
    const recorder = createFileRecorder({ path, servers: [{ label: 'billing', url: mcp.url }], description: 'beta-webrtc-log1 server events, played into the proxy' });
    const proxy = createRealtimeMcpProxy({ transport, servers: [{ label: 'billing', url: mcp.url }], catalogCache: false, recorder });
    const outputs: string[] = [];
    transport.onSend((text) => outputs.push(text));
    const sentTypes = () => outputs.map((text) => (JSON.parse(text) as { type: string; item?: { type?: string } }).item?.type ?? (JSON.parse(text) as { type: string }).type);
    try {
      await proxy.start();
      for (const event of events) {
        transport.deliver(event);
        // As live, the calls of a response are answered before the capture goes on.
        if (event.type === 'response.done') await vi.waitFor(() => expect(proxy.snapshot().runningCalls).toEqual([]));
      }
      // The captured call's output, then the response.create that asks the model to speak about it.
      await vi.waitFor(() => expect(sentTypes().slice(sentTypes().lastIndexOf('function_call_output'))).toEqual(['function_call_output', 'response.create']));
    } finally {
      await proxy.close();
      await mcp.close();
    }
    // The proxy ran the captured call and answered it.
    expect(outputs.some((text) => text.includes('"function_call_output"') && text.includes('Transferred to marco_supervisor_biller.'))).toBe(true);

    // The host ended the session: the recording says so, as a close going out.
    const closes = readFileSync(path, 'utf8').split('\n').filter((line) => line.includes('"kind":"ws.close"'));
    expect(closes.map((line) => JSON.parse(line) as { dir: string; code: number })).toEqual([expect.objectContaining({ dir: 'out', code: 1000 })]);

    const replayed = await replayRecording(path);
    expect(replayed.failure).toBeUndefined();
    expect(replayed.header.description).toContain('beta-webrtc-log1');
    expect(replayed.matched).toBeGreaterThanOrEqual(3); // session.update, the output, response.create

    const tampered = join(dir, 'tampered.jsonl');
    // The MCP server now answers differently; the recorded output stays what it was.
    const lines = readFileSync(path, 'utf8').split('\n');
    const changed = lines.map((line) => (line.includes('"peer":"mcp:billing"') ? line.replaceAll('Transferred to marco_supervisor_biller.', 'Nobody is available.') : line));
    expect(changed).not.toEqual(lines);
    writeFileSync(tampered, changed.join('\n'));
    const broken = await replayRecording(tampered);
    expect(broken.failure?.path).toBe('/item/output');
  }, 30_000);
});
