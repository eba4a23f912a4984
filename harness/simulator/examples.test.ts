import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSimulatorScript } from './script.js';
import { callsOf, createHarness, decodeAll, type TestClient } from './testSupport.js';

const here = dirname(fileURLToPath(import.meta.url));
const harness = createHarness();
afterEach(() => harness.cleanup());

/** Answers like a well-behaved proxy: every completed call gets an output (a+b), then one response.create. */
function autoAnswer(client: TestClient): void {
  client.ws.on('message', (data) => {
    const event = JSON.parse(data.toString()) as { type: string; response?: { output: unknown[] } };
    if (event.type !== 'response.done') return;
    const calls = callsOf(event as never).filter((call) => call.status === 'completed');
    if (calls.length === 0) return;
    for (const call of calls) {
      const { a, b } = JSON.parse(call.arguments) as { a: number; b: number };
      client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: JSON.stringify({ sum: a + b }) } });
    }
    client.send({ type: 'response.create' });
  });
}

describe('example scripts', () => {
  it.each(['single-call.json', 'barge-in.json', 'race-and-expiry.json'])('%s plays to the end against a well-behaved client', async (file) => {
    const simulator = await harness.start({ script: await loadSimulatorScript(join(here, 'scripts', file)) });
    const client = await harness.ready(simulator);
    autoAnswer(client);
    expect(await simulator.done).toEqual({ ok: true, steps: (await loadSimulatorScript(join(here, 'scripts', file))).steps.length });
    expect(decodeAll(simulator.serverEvents).filter((result) => !result.ok)).toEqual([]);
    const transcripts = client.received.filter((event) => event.type === 'response.output_audio_transcript.done' || event.type === 'response.audio_transcript.done');
    if (file === 'single-call.json') expect(transcripts.map((event) => event.transcript)).toEqual(['Let me check.', 'The answer is {"sum":42}.', "You're welcome."]);
    if (file === 'barge-in.json') {
      expect(simulator.clientEvents.filter((event) => event.type === 'conversation.item.create')).toHaveLength(1);
      expect(transcripts.map((event) => event.transcript)).toEqual(['That makes']);
    }
    if (file === 'race-and-expiry.json') {
      expect(client.received.some((event) => event.type === 'error' && event.error.code === 'conversation_already_has_active_response')).toBe(true);
      expect(await client.closed).toEqual({ code: 1000, reason: '' });
    }
  });
});
