/**
 * The rehearsal end to end over WebSocket: the real Node proxy (public API) between the rehearsal
 * simulator and a real MCP server on 127.0.0.1. Each typed user turn makes the simulated model call
 * the next tool with arguments sampled from its schema; the proxy runs it over MCP and sends the
 * output; the model says what the tool answered, as a transcript and as audio (espeak-ng when
 * installed, else the beeps).
 */
import Ajv from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../mock-mcp/index.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/index.js';
import type { RealtimeMcpProxy } from '../../src/proxy/createRealtimeMcpProxy.js';
import { startRealtimeSimulator, type RealtimeSimulator } from './index.js';

const closers: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
});

const echoSchema = { type: 'object', properties: { message: { type: 'string', minLength: 1 } }, required: ['message'] };
const addSchema = { type: 'object', properties: { a: { type: 'integer', minimum: 0, maximum: 100 }, b: { type: 'integer', minimum: 0, maximum: 100 } }, required: ['a', 'b'] };

async function until<T>(check: () => T | undefined, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('rehearsal end to end (proxy over WebSocket, real MCP server)', () => {
  it('two typed turns call the two tools in turn with schema-valid arguments; each reply quotes the output, with audio', async () => {
    const mock: MockMcpServer = await startMockMcpServer({
      tools: [
        { name: 'echo', description: 'Echoes the message.', inputSchema: echoSchema, result: 'echo' },
        { name: 'add', description: 'Adds two integers.', inputSchema: addSchema, result: 'echo' },
      ],
    });
    closers.push(() => mock.close());
    const sim: RealtimeSimulator = await startRealtimeSimulator({ rehearsal: { seed: 7 }, apiKey: 'sk-test-key' });
    closers.push(() => sim.close());
    const transcripts: string[] = [];
    let audioDeltas = 0;
    const proxy: RealtimeMcpProxy = createNodeRealtimeMcpProxy({ url: sim.url, apiKey: 'sk-test-key', servers: [{ label: 'mock', url: mock.url }], catalogCache: false });
    closers.push(() => proxy.close());
    proxy.on('realtime.event', (event) => {
      if (event.type === 'response.output_audio_transcript.done') transcripts.push(event.transcript);
    });
    proxy.on('realtime.audio', (event) => {
      if (event.type === 'response.output_audio.delta') audioDeltas += 1;
    });
    await proxy.start();
    const tools = await until(() => (proxy.snapshot().state === 'ready' ? proxy.snapshot().tools : undefined), 'the session to be ready');
    expect(tools).toHaveLength(2);

    const outputs = () =>
      sim.clientEvents.flatMap((event) => (event.type === 'conversation.item.create' && event.item.type === 'function_call_output' ? [{ callId: event.item.call_id, output: event.item.output }] : []));
    const calls = () =>
      sim.serverEvents.flatMap((event) =>
        event.type === 'response.output_item.done' && (event as { item: { type: string } }).item.type === 'function_call' ? [(event as unknown as { item: { name: string; call_id: string; arguments: string } }).item] : [],
      );

    for (const [turn, text] of ['Hello, rehearsal.', 'Once more.'].entries()) {
      expect(proxy.sendText(text)).toMatchObject({ ok: true });
      await until(() => (transcripts.length > turn ? true : undefined), `the reply of turn ${turn + 1}`);
    }

    // The two tools, in turn, each with arguments that validate against its MCP input schema.
    const made = calls();
    expect(made.map((call) => call.name).sort()).toEqual([...tools].sort());
    expect(new Set(made.map((call) => call.name)).size).toBe(2);
    const schemaOf = new Map<string, object>([
      [tools.find((name) => name.includes('echo'))!, echoSchema],
      [tools.find((name) => name.includes('add'))!, addSchema],
    ]);
    for (const call of made) expect(new Ajv().validate(schemaOf.get(call.name)!, JSON.parse(call.arguments)), `${call.name} ${call.arguments}`).toBe(true);
    // The MCP server ran each once, with those arguments.
    expect(mock.callLog.map((entry) => entry.tool).sort()).toEqual(['add', 'echo']);
    for (const call of made) expect(mock.callLog.find((entry) => call.name.includes(entry.tool))?.arguments).toEqual(JSON.parse(call.arguments));

    // One output per call; each reply names the tool and quotes the output.
    const sent = outputs();
    expect(sent.map((output) => output.callId)).toEqual(made.map((call) => call.call_id));
    for (const [i, call] of made.entries()) {
      expect(transcripts[i]).toBe(`Simulated reply: ${call.name} answered: ${sent[i]!.output.slice(0, 160)}`);
    }
    expect(sent[0]!.output.length).toBeGreaterThan(0);
    expect(audioDeltas).toBeGreaterThan(0);
  });
});
