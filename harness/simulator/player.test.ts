import { afterEach, describe, expect, it } from 'vitest';
import type { SimulatorStep } from './script.js';
import { callsOf, createHarness, decodeAll, SUM_TOOL, WEATHER_TOOL, type Received, type TestClient } from './testSupport.js';

const harness = createHarness();
afterEach(() => harness.cleanup());

const types = (events: Received[]): string[] => events.map((event) => event.type);

/** Plays the client side of a tool call: one output per call (`[callId, output]`, in order), then response.create. */
function answer(client: TestClient, outputs: Array<[callId: string, output: string]>): void {
  for (const [callId, output] of outputs) {
    client.send({ type: 'conversation.item.create', event_id: `evt_out_${callId}`, item: { type: 'function_call_output', call_id: callId, output } });
  }
  client.send({ type: 'response.create', event_id: 'evt_create_1' });
}

const SINGLE_CALL: SimulatorStep[] = [
  { user: "What's 2 plus 40?" },
  { callTool: { toolFromSession: 0, arguments: { a: 2, b: 40 }, chunks: 3, say: 'Let me check.', reply: 'The answer is {output}.' } },
];

describe('a single tool call', () => {
  it('plays the user turn, the call, waits for the output and response.create, then speaks a reply quoting it', async () => {
    const simulator = await harness.start({ script: SINGLE_CALL });
    const client = await harness.ready(simulator);

    const turn = await client.until('conversation.item.input_audio_transcription.completed');
    expect(types(turn)).toEqual([
      'input_audio_buffer.speech_started',
      'input_audio_buffer.speech_stopped',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      ...Array(4).fill('conversation.item.input_audio_transcription.delta'),
      'conversation.item.input_audio_transcription.completed',
    ]);
    expect(turn[3]?.item).toMatchObject({ type: 'message', role: 'user', content: [{ type: 'input_audio' }] });
    expect(turn.at(-1)?.transcript).toBe("What's 2 plus 40?");
    expect(turn[0]?.item_id).toBe(turn[3]?.item.id);

    const response = await client.until('response.done');
    const first = response.findIndex((event) => event.type === 'response.output_item.added' && event.item.type === 'function_call');
    expect(types(response.slice(first))).toEqual([
      'response.output_item.added',
      'conversation.item.added',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.delta',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ]);
    expect(response[0]?.type).toBe('response.created');
    const spoken = response.filter((event) => event.type === 'response.output_audio_transcript.delta');
    expect(spoken.map((event) => event.delta).join('')).toBe('Let me check.');
    expect(spoken.every((event) => typeof event.obfuscation === 'string')).toBe(true);
    const added = response[first] as Received;
    expect(added.output_index).toBe(1);
    expect(added.item).toMatchObject({ type: 'function_call', status: 'in_progress', name: 'mock__get-sum', arguments: '' });
    expect(added.item.call_id).toMatch(/^call_[A-Za-z0-9]{16}$/);
    const deltas = response.filter((event) => event.type === 'response.function_call_arguments.delta');
    expect(deltas.map((event) => event.delta).join('')).toBe('{"a":2,"b":40}');
    expect(response.find((event) => event.type === 'response.output_item.done' && event.item.type === 'function_call')?.item.status).toBe('completed');
    const done = response.at(-1) as Received;
    expect(done.response).toMatchObject({ status: 'completed', status_details: null, usage: { total_tokens: expect.any(Number) } });
    expect(done.response.output.map((item: Received) => item.type)).toEqual(['message', 'function_call']);
    const [call] = callsOf(done);
    await client.next('rate_limits.updated');

    answer(client, [[call?.call_id as string, '42']]);
    const reply = await client.until((event) => event.type === 'response.done');
    expect(types(reply).filter((type) => type !== 'conversation.item.added' && type !== 'conversation.item.done').slice(0, 2)).toEqual([
      'response.created',
      'response.output_item.added',
    ]);
    expect(reply.find((event) => event.type === 'response.output_audio_transcript.done')?.transcript).toBe('The answer is 42.');
    const audio = reply.filter((event) => event.type === 'response.output_audio.delta');
    expect(audio.length).toBe(4);
    expect(Buffer.from(audio[0]?.delta as string, 'base64').length).toBe(40 * 48);
    await client.next('rate_limits.updated');

    expect(await simulator.done).toEqual({ ok: true, steps: 2 });
    expect(simulator.state).toMatchObject({ status: 'passed', step: 2 });
    expect(decodeAll(simulator.serverEvents).filter((result) => !result.ok || result.dialect !== 'ga')).toEqual([]);
    expect(simulator.clientEvents.map((event) => event.type)).toEqual(['session.update', 'conversation.item.create', 'response.create']);
  });

  it('plays calls whose call_id and item id are Object.prototype names, and pairs each output with its own call', async () => {
    const simulator = await harness.start({
      script: [
        {
          callTools: [
            { name: 'weather', callId: 'toString', itemId: '__proto__' },
            { name: 'weather', callId: '__proto__', itemId: 'constructor' },
            { name: 'weather', callId: 'hasOwnProperty', itemId: 'toString' },
          ],
          reply: 'All: {outputs}',
        },
      ],
    });
    const client = await harness.ready(simulator, [WEATHER_TOOL]);
    const calls = callsOf(await client.next('response.done'));
    expect(calls.map((call) => call.call_id)).toEqual(['toString', '__proto__', 'hasOwnProperty']);
    // An output for a call_id the session never produced is refused, whatever its name.
    client.send({ type: 'conversation.item.create', event_id: 'evt_out_constructor', item: { type: 'function_call_output', call_id: 'constructor', output: 'stray' } });
    expect((await client.next('error')).error).toMatchObject({ param: 'item.call_id', event_id: 'evt_out_constructor' });
    answer(client, [
      ['hasOwnProperty', 'third'],
      ['toString', 'first'],
      ['__proto__', 'second'],
    ]);
    expect((await client.next('response.output_audio_transcript.done')).transcript).toBe('All: first; second; third') // in call order, whatever order the outputs came in;
    expect(await simulator.done).toEqual({ ok: true, steps: 1 });
    const added = simulator.serverEvents.filter((event) => event.type === 'response.output_item.added' && (event as Received).item.type === 'function_call').map((event) => (event as Received).item.id);
    expect(added).toEqual(['__proto__', 'constructor', 'toString']);
  });

  it('quotes only the first 80 characters of a long output', async () => {
    const simulator = await harness.start({ script: [{ callTool: { name: 'weather', reply: 'Result: {output}' } }] });
    const client = await harness.ready(simulator, [WEATHER_TOOL]);
    const [call] = callsOf(await client.next('response.done'));
    const output = 'x'.repeat(200);
    answer(client, [[call?.call_id as string, output]]);
    const transcript = (await client.next('response.output_audio_transcript.done')).transcript as string;
    expect(transcript).toBe(`Result: ${'x'.repeat(80)}…`);
    expect((await simulator.done).ok).toBe(true);
  });

  it('plays several calls in one response and waits for every output', async () => {
    const simulator = await harness.start({
      script: [{ callTools: [{ name: 'weather', arguments: { city: 'Paris' } }, { toolFromSession: 1, arguments: '{"a":1,' }], reply: 'Both: {outputs}' }],
    });
    const client = await harness.ready(simulator, [WEATHER_TOOL, SUM_TOOL]);
    const done = await client.next('response.done');
    const calls = callsOf(done);
    expect(calls.map((call) => [call.name, call.arguments, call.status])).toEqual([
      ['weather', '{"city":"Paris"}', 'completed'],
      ['mock__get-sum', '{"a":1,', 'completed'],
    ]);
    expect(new Set(calls.map((call) => call.call_id)).size).toBe(2);
    client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: calls[0]?.call_id as string, output: 'sunny' } });
    await client.next('conversation.item.done');
    // The simulator handles client events in order: once it answered this one, it had seen the output above.
    client.send({ type: 'input_audio_buffer.clear' });
    await client.next('input_audio_buffer.cleared');
    expect(simulator.state.status).toBe('running');
    answer(client, [[calls[1]?.call_id as string, 'error: bad arguments']]);
    expect((await client.next('response.output_audio_transcript.done')).transcript).toBe('Both: sunny; error: bad arguments');
    expect(await simulator.done).toEqual({ ok: true, steps: 1 });
  });

  it('fails the step when response.create comes before every output (the client still gets a reply)', async () => {
    const simulator = await harness.start({ script: [{ callTools: [{ name: 'weather' }, { name: 'weather' }] }] });
    const client = await harness.ready(simulator, [WEATHER_TOOL]);
    const [first] = callsOf(await client.next('response.done'));
    answer(client, [[first?.call_id as string, 'sunny']]);
    const result = await simulator.done;
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(/^step 1 \(calls\): the client sent response\.create before the function_call_output of call_/);
    expect((await client.next('response.output_audio_transcript.done')).transcript).toBe('Here is what I found: sunny');
    expect(simulator.log.some((line) => line.includes('script failed'))).toBe(true);
  });

  it('fails the step when the outputs do not come in time', async () => {
    const simulator = await harness.start({ script: [{ callTool: { name: 'weather', timeoutMs: 100 } }] });
    await harness.ready(simulator, [WEATHER_TOOL]);
    const result = await simulator.done;
    expect(result).toMatchObject({ ok: false, steps: 0 });
    expect(result.error).toMatch(/timed out after 100 ms waiting for the function_call_output of call_\w+ and a response\.create/);
    expect(simulator.state).toMatchObject({ status: 'failed', step: 1 });
  });

  it('fails clearly when toolFromSession names no tool', async () => {
    const simulator = await harness.start({ script: [{ callTool: { toolFromSession: 2 } }] });
    await harness.ready(simulator, [WEATHER_TOOL]);
    expect((await simulator.done).error).toBe(
      'step 1 (calls): toolFromSession 2 names no function tool: the session has 1 (weather). Send the tools with session.update first, or name the tool',
    );
  });

  it('goes on without waiting when reply is false', async () => {
    const simulator = await harness.start({ script: [{ callTool: { name: 'weather', reply: false } }, { say: 'Anything else?' }] });
    const client = await harness.ready(simulator, [WEATHER_TOOL]);
    await client.next('response.done');
    expect((await client.next('response.output_audio_transcript.done')).transcript).toBe('Anything else?');
    expect(await simulator.done).toEqual({ ok: true, steps: 2 });
  });
});

describe('injections', () => {
  it('bargeIn during arguments: the call ends incomplete, the response cancelled (turn_detected), then the user turn', async () => {
    const simulator = await harness.start({
      script: [{ user: 'Add 2 and 40.' }, { bargeIn: { during: 'arguments', user: 'No, stop.' } }, { callTool: { toolFromSession: 0, arguments: { a: 2, b: 40 }, chunks: 4 } }],
    });
    const client = await harness.ready(simulator);
    await client.next('conversation.item.input_audio_transcription.completed');
    const events = await client.until('conversation.item.input_audio_transcription.completed');
    expect(types(events)).toEqual([
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      'response.function_call_arguments.delta',
      'input_audio_buffer.speech_started',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
      'rate_limits.updated',
      'input_audio_buffer.speech_stopped',
      'input_audio_buffer.committed',
      'conversation.item.added',
      'conversation.item.done',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.delta',
      'conversation.item.input_audio_transcription.completed',
    ]);
    expect(events[6]?.item).toMatchObject({ type: 'function_call', status: 'incomplete' });
    expect(events[5]?.arguments).toBe(events[3]?.delta);
    expect(events[8]?.response).toMatchObject({ status: 'cancelled', status_details: { type: 'cancelled', reason: 'turn_detected' } });
    expect(events[8]?.response.output[0].status).toBe('incomplete');
    expect(events.at(-1)?.transcript).toBe('No, stop.');
    expect(await simulator.done).toEqual({ ok: true, steps: 3 });
    expect(decodeAll(simulator.serverEvents).every((result) => result.ok)).toBe(true);
  });

  it('bargeIn during audio: the reply is cut after the given number of audio deltas', async () => {
    const simulator = await harness.start({
      script: [{ bargeIn: { during: 'audio', afterDeltas: 2 } }, { callTool: { name: 'weather', reply: 'It is {output} in Paris today, enjoy it.' } }],
    });
    const client = await harness.ready(simulator, [WEATHER_TOOL]);
    const [call] = callsOf(await client.next('response.done'));
    answer(client, [[call?.call_id as string, 'sunny']]);
    const reply = await client.until('response.done');
    expect(reply.filter((event) => event.type === 'response.output_audio.delta')).toHaveLength(2);
    const item = reply.find((event) => event.type === 'response.output_item.done')?.item;
    expect(item).toMatchObject({ status: 'incomplete', content: [{ type: 'output_audio', transcript: 'It is' }] });
    expect(reply.at(-1)?.response.status_details).toEqual({ type: 'cancelled', reason: 'turn_detected' });
    expect(types(reply)).toContain('input_audio_buffer.speech_started');
    expect((await client.next('conversation.item.input_audio_transcription.completed')).transcript).toBe('Wait, actually, never mind.');
    expect((await simulator.done).ok).toBe(true);
  });

  it('bargeIn during toolCall: speech and a user turn while the call is pending, then the reply', async () => {
    const simulator = await harness.start({ script: [{ bargeIn: { during: 'toolCall', user: 'Also tomorrow?' } }, { callTool: { name: 'weather' } }] });
    const client = await harness.ready(simulator, [WEATHER_TOOL]);
    const [call] = callsOf(await client.next('response.done'));
    const turn = await client.until('conversation.item.input_audio_transcription.completed');
    expect(turn.map((event) => event.type)).toContain('input_audio_buffer.speech_started');
    expect(turn.at(-1)?.transcript).toBe('Also tomorrow?');
    answer(client, [[call?.call_id as string, 'rain']]);
    expect((await client.next('response.output_audio_transcript.done')).transcript).toBe('Here is what I found: rain');
    expect((await simulator.done).ok).toBe(true);
  });

  it("activeResponseRace: the simulator starts the reply itself, so the client's response.create gets conversation_already_has_active_response", async () => {
    const simulator = await harness.start({ script: [{ activeResponseRace: true }, { callTool: { name: 'weather', reply: 'Got {output}.' } }] });
    const client = await harness.ready(simulator, [WEATHER_TOOL]);
    const [call] = callsOf(await client.next('response.done'));
    answer(client, [[call?.call_id as string, 'fog']]);
    const untilError = await client.until('error');
    const created = untilError.find((event) => event.type === 'response.created');
    const error = untilError.at(-1) as Received;
    expect(error.error).toMatchObject({ type: 'invalid_request_error', code: 'conversation_already_has_active_response', event_id: 'evt_create_1' });
    expect(error.error.message).toBe(
      `Conversation already has an active response in progress: ${created?.response.id}. Wait until the response is finished before creating a new one.`,
    );
    expect((await client.next('response.output_audio_transcript.done')).transcript).toBe('Got fog.');
    expect(await simulator.done).toEqual({ ok: true, steps: 2 });
  });

  it('sessionExpired: the session_expired error, then the socket closes with 1000', async () => {
    const simulator = await harness.start({ script: [{ wait: 10 }, { sessionExpired: true }], startWhen: 'connected' });
    const client = await harness.connect(simulator);
    const error = await client.next('error');
    expect(error.error).toEqual({
      type: 'invalid_request_error',
      code: 'session_expired',
      message: 'Your session hit the maximum duration of 60 minutes.',
      param: null,
      event_id: null,
    });
    expect(await client.closed).toEqual({ code: 1000, reason: '' });
    expect(await simulator.done).toEqual({ ok: true, steps: 2 });
  });

  it('unknownEvent and betaNames: an unknown type as given, then beta-era names that decode as dialect beta', async () => {
    const simulator = await harness.start({
      script: [{ unknownEvent: { type: 'response.future_feature', detail: 1 } }, { betaNames: true }, { say: 'Hello there.' }, { betaNames: false }, { say: 'Bye.' }],
    });
    const client = await harness.ready(simulator, []);
    const unknown = await client.next('response.future_feature');
    expect(unknown).toMatchObject({ detail: 1, event_id: expect.stringMatching(/^event_/) });
    await client.next('response.done');
    await client.next('response.done');
    await simulator.done;
    const decoded = decodeAll(simulator.serverEvents);
    expect(decoded.every((result) => result.ok)).toBe(true);
    const start = decoded.findIndex((result) => result.type === 'response.future_feature');
    const end = decoded.findIndex((result, i) => i > start && result.type === 'rate_limits.updated');
    const beta = decoded.slice(start + 1, end + 1);
    expect(new Set(beta.filter((result) => result.dialect === 'beta').map((result) => result.type))).toEqual(
      new Set(['conversation.item.created', 'response.audio_transcript.delta', 'response.audio.delta', 'response.audio.done', 'response.audio_transcript.done']),
    );
    expect(beta.map((result) => result.type)).not.toContain('conversation.item.done');
    expect(decoded.slice(end + 1).every((result) => result.dialect === 'ga')).toBe(true);
    expect(simulator.clientEvents.map((event) => event.type)).toEqual(['session.update']);
  });

  it('betaNames with text output uses response.text.delta', async () => {
    const simulator = await harness.start({ script: [{ betaNames: true }, { say: 'In text.' }] });
    const client = await harness.connect(simulator);
    client.send({ type: 'session.update', session: { type: 'realtime', output_modalities: ['text'] } });
    const events = await client.until('response.done');
    expect(types(events)).toContain('response.text.delta');
    expect(types(events)).toContain('response.text.done');
    expect(events.at(-1)?.response.output[0].content).toEqual([{ type: 'output_text', text: 'In text.' }]);
  });
});

describe('the done promise and runs', () => {
  it('fails when the client disconnects during the script', async () => {
    const simulator = await harness.start({ script: [{ wait: 5000 }] });
    const client = await harness.ready(simulator, []);
    client.ws.close(1000);
    expect(await simulator.done).toEqual({ ok: false, steps: 0, error: 'step 1 (wait): the connection closed (code 1000) during the wait' });
  });

  it('fails when the simulator closes before the script started', async () => {
    const simulator = await harness.start({ script: [{ say: 'Hi.' }] });
    await harness.connect(simulator);
    await simulator.close();
    expect(await simulator.done).toEqual({ ok: false, steps: 0, error: 'the simulator closed before the script started' });
  });

  it('close step: ends the script and closes the socket with the given code', async () => {
    const simulator = await harness.start({ script: [{ say: 'Goodbye.' }, { close: { code: 4000, reason: 'bye' } }], startWhen: 'connected' });
    const client = await harness.connect(simulator);
    expect(await client.closed).toEqual({ code: 4000, reason: 'bye' });
    expect(await simulator.done).toEqual({ ok: true, steps: 2 });
  });

  it('plays on the first connection only by default, on every one with playOn every', async () => {
    const once = await harness.start({ script: [{ say: 'Hi.' }], startWhen: 'connected' });
    await (await harness.connect(once)).next('response.done');
    const second = await harness.connect(once);
    await second.next('session.created');
    // A script started on connecting sends its first events before the answer to anything the client sends.
    second.send({ type: 'input_audio_buffer.clear' });
    await second.next('input_audio_buffer.cleared');
    expect(second.received.map((event) => event.type)).toEqual(['session.created', 'input_audio_buffer.cleared']);
    expect(once.sessions.map((session) => session.run?.state.status)).toEqual(['passed', undefined]);

    const every = await harness.start({ script: [{ say: 'Hi.' }], startWhen: 'connected', playOn: 'every' });
    await (await harness.connect(every)).next('response.done');
    await (await harness.connect(every)).next('response.done');
    expect(every.connections).toBe(2);
    expect(await every.sessions[1]?.run?.done).toEqual({ ok: true, steps: 1 });
  });
});
