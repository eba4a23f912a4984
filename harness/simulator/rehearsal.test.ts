import Ajv from 'ajv';
import { afterEach, describe, expect, it } from 'vitest';
import type { FunctionTool } from '../../src/protocol/generated/types.js';
import { fakePeers, FAKE_OFFER_SDP, type FakePeer } from './fakePeer.js';
import { NO_TOOLS_REPLY, SPOKEN_TURN_TRANSCRIPT } from './rehearsal.js';
import type { StartRealtimeSimulatorOptions } from './server.js';
import { startRealtimeSimulator } from './server.js';
import { beeps } from './speech.js';
import { callIdOf, createHarness, decodeAll, post, SUM_TOOL, WEATHER_TOOL, type Received, type TestClient } from './testSupport.js';

const harness = createHarness();
afterEach(() => harness.cleanup());

const tone = { rehearsal: { speech: 'tone' } } satisfies StartRealtimeSimulatorOptions;

function userText(client: TestClient, text: string): void {
  client.send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text }] } });
  client.send({ type: 'response.create' });
}

/** Reads one function-call response to its response.done; returns the call and the events. */
async function functionCall(client: TestClient): Promise<{ name: string; callId: string; args: string; events: Received[] }> {
  const events = await client.until('response.done');
  const done = events.find((event) => event.type === 'response.output_item.done' && event.item.type === 'function_call')!;
  return { name: done.item.name, callId: done.item.call_id, args: done.item.arguments, events };
}

/** Sends the output and response.create; returns the reply's transcript and its audio bytes. */
async function reply(client: TestClient, callId: string, output: string): Promise<{ transcript: string; audioBytes: number; events: Received[] }> {
  client.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: callId, output } });
  client.send({ type: 'response.create' });
  const events = await client.until('response.done');
  const transcript = events.find((event) => event.type === 'response.output_audio_transcript.done')?.transcript as string;
  const audioBytes = events.filter((event) => event.type === 'response.output_audio.delta').reduce((sum, event) => sum + Buffer.from(event.delta as string, 'base64').length, 0);
  return { transcript, audioBytes, events };
}

const validArguments = (tool: FunctionTool, args: string): boolean => new Ajv({ strict: false }).validate(tool.parameters as object, JSON.parse(args));

describe('rehearsal over WebSocket', () => {
  it('calls the session tools in turn with schema-valid arguments, then says what each answered, with audio', async () => {
    const simulator = await harness.start(tone);
    const client = await harness.ready(simulator, [SUM_TOOL, WEATHER_TOOL]);
    userText(client, 'Hello there.');
    const first = await functionCall(client);
    expect(first.events.map((event) => event.type)).toEqual([
      'conversation.item.added', // the user's text item
      'conversation.item.done',
      'response.created',
      'response.output_item.added',
      'conversation.item.added',
      ...first.events.filter((event) => event.type === 'response.function_call_arguments.delta').map(() => 'response.function_call_arguments.delta'),
      'response.function_call_arguments.done',
      'response.output_item.done',
      'conversation.item.done',
      'response.done',
    ]);
    expect(first.name).toBe(SUM_TOOL.name);
    expect(validArguments(SUM_TOOL, first.args)).toBe(true);
    expect(decodeAll(first.events).filter((result) => !result.ok)).toEqual([]);

    const answered = await reply(client, first.callId, '42');
    expect(answered.transcript).toBe(`Simulated reply: ${SUM_TOOL.name} answered: 42`);
    expect(answered.audioBytes).toBe(beeps().length * 2);
    expect(decodeAll(answered.events).filter((result) => !result.ok)).toEqual([]);

    userText(client, 'And again.');
    const second = await functionCall(client);
    expect(second.name).toBe(WEATHER_TOOL.name);
    const long = 'x'.repeat(300);
    expect((await reply(client, second.callId, long)).transcript).toBe(`Simulated reply: weather answered: ${'x'.repeat(160)}`);
  });

  it('calls the tool the user names; honours a mid-session change of tools', async () => {
    const simulator = await harness.start(tone);
    const client = await harness.ready(simulator, [WEATHER_TOOL, SUM_TOOL]);
    userText(client, 'Please use get-sum for this.'); // mock__get-sum, named without its server prefix
    expect((await functionCall(client)).name).toBe(SUM_TOOL.name);
    await client.until('rate_limits.updated');
    client.send({ type: 'session.update', session: { type: 'realtime', tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { word: { type: 'string' } }, required: ['word'] } }] } });
    await client.next('session.updated');
    userText(client, 'Now what?');
    const call = await functionCall(client);
    expect(call.name).toBe('lookup');
    expect(Object.keys(JSON.parse(call.args) as object)).toEqual(['word']);
  });

  it('says that no tools were picked when the session has none, as audio', async () => {
    const simulator = await harness.start(tone);
    const client = await harness.ready(simulator, []);
    userText(client, 'Anyone there?');
    const events = await client.until('response.done');
    expect(events.find((event) => event.type === 'response.output_audio_transcript.done')?.transcript).toBe(NO_TOOLS_REPLY);
    expect(events.some((event) => event.type === 'response.output_audio.delta')).toBe(true);
    expect(events.some((event) => event.type === 'response.output_item.added' && event.item.type === 'function_call')).toBe(false);
  });

  it('answers a committed buffer at once with server VAD on, and only at response.create with VAD off', async () => {
    const simulator = await harness.start(tone);
    const client = await harness.ready(simulator, [SUM_TOOL]);
    const audio = Buffer.alloc(24_000 * 2 * 0.2).toString('base64'); // 200 ms
    client.send({ type: 'input_audio_buffer.append', audio });
    client.send({ type: 'input_audio_buffer.commit' });
    await client.next('input_audio_buffer.committed');
    expect((await functionCall(client)).name).toBe(SUM_TOOL.name);

    client.send({ type: 'session.update', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    await client.next('session.updated');
    client.send({ type: 'input_audio_buffer.append', audio });
    client.send({ type: 'input_audio_buffer.commit', event_id: 'evt_commit' });
    await client.next('input_audio_buffer.committed');
    client.send({ type: 'response.create', event_id: 'evt_create' });
    const events = await client.until('response.done');
    // Nothing between the committed item and the client's response.create: one response, started by it.
    expect(events.filter((event) => event.type === 'response.created')).toHaveLength(1);
    expect(simulator.sessions[0]!.clientEvents.map((event) => event.type).slice(-2)).toEqual(['input_audio_buffer.commit', 'response.create']);
  });

  it("hears speech in appended audio with server VAD on: speech_started, speech_stopped, committed, then the model's call", async () => {
    const simulator = await harness.start(tone);
    const client = await harness.ready(simulator, [SUM_TOOL]);
    const loud = Buffer.alloc(24_000 * 2 * 0.6);
    for (let i = 0; i < loud.length / 2; i++) loud.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 300 * i) / 24_000)), i * 2);
    const quiet = Buffer.alloc(24_000 * 2 * 0.8);
    client.send({ type: 'input_audio_buffer.append', audio: loud.toString('base64') });
    client.send({ type: 'input_audio_buffer.append', audio: quiet.toString('base64') });
    const started = await client.next('input_audio_buffer.speech_started');
    expect(started.audio_start_ms).toBe(0);
    const stopped = await client.next('input_audio_buffer.speech_stopped');
    expect(stopped.audio_end_ms).toBe(600);
    await client.next('input_audio_buffer.committed');
    const transcript = await client.next('conversation.item.input_audio_transcription.completed');
    expect(transcript.transcript).toBe(SPOKEN_TURN_TRANSCRIPT);
    expect((await functionCall(client)).name).toBe(SUM_TOOL.name);
  });

  it('gives the same arguments for the same seed', async () => {
    const argsWith = async (seed: number): Promise<string> => {
      const simulator = await harness.start({ rehearsal: { seed, speech: 'tone' } });
      const client = await harness.ready(simulator, [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { word: { type: 'string', minLength: 3 } }, required: ['word'] } }]);
      userText(client, 'Go.');
      return (await functionCall(client)).args;
    };
    expect(await argsWith(5)).toBe(await argsWith(5));
  });

  it('refuses a script and rehearsal together, and bad rehearsal options, saying what to do', async () => {
    await expect(startRealtimeSimulator({ rehearsal: true, script: [{ say: 'hi' }] })).rejects.toThrow(
      'Failed to start the Realtime simulator: both a script and rehearsal were given. Please pass one: a script plays scripted turns, rehearsal answers every user turn on its own.',
    );
    await expect(startRealtimeSimulator({ rehearsal: { speech: 'loud' as never } })).rejects.toThrow(/speech must be auto, espeak or tone \(got "loud"\)\. Please/);
    await expect(startRealtimeSimulator({ rehearsal: { seed: 1.5 } })).rejects.toThrow(/seed must be an integer/);
    await expect(startRealtimeSimulator({ rehearsal: { speech: 'espeak', espeakCommand: '/nonexistent/espeak-ng' } })).rejects.toThrow(/speech 'espeak' needs \/nonexistent\/espeak-ng/);
  });

  it('falls back to the beeps with a missing espeak-ng, and says so in the log', async () => {
    const simulator = await harness.start({ rehearsal: { espeakCommand: '/nonexistent/espeak-ng' } });
    const client = await harness.ready(simulator, []);
    userText(client, 'Hi.');
    const events = await client.until('response.done');
    const bytes = events.filter((event) => event.type === 'response.output_audio.delta').reduce((sum, event) => sum + Buffer.from(event.delta as string, 'base64').length, 0);
    expect(bytes).toBe(beeps().length * 2);
    expect(simulator.log.some((line) => line.includes('/nonexistent/espeak-ng failed'))).toBe(true);
  });
});

describe('rehearsal on a WebRTC call', () => {
  it('takes voice activity as the turn, calls a tool over the data channel, and plays the reply on the track', async () => {
    const { answerOffer, peers } = fakePeers();
    const simulator = await harness.start({ ...tone, answerOffer });
    const answer = await post(simulator, '/v1/realtime/calls', { body: FAKE_OFFER_SDP, contentType: 'application/sdp' });
    callIdOf(answer);
    const peer = peers[0] as FakePeer;
    await peer.events.next('session.created');
    peer.sendClientEvent({ type: 'session.update', session: { type: 'realtime', tools: [SUM_TOOL] } });
    await peer.events.next('session.updated');
    peer.speak('started', 1000);
    expect((await peer.events.next('input_audio_buffer.speech_started')).audio_start_ms).toBe(1000);
    peer.speak('stopped', 2400);
    expect((await peer.events.next('input_audio_buffer.speech_stopped')).audio_end_ms).toBe(2400);
    const call = (await peer.events.next((event) => event.type === 'response.output_item.done')).item;
    expect(call).toMatchObject({ type: 'function_call', name: SUM_TOOL.name, status: 'completed' });
    await peer.events.next('response.done');
    peer.sendClientEvent({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: '{"sum":3}' } });
    peer.sendClientEvent({ type: 'response.create' });
    const events = await peer.events.until('response.done');
    expect(events.find((event) => event.type === 'response.output_audio_transcript.done')?.transcript).toBe(`Simulated reply: ${SUM_TOOL.name} answered: {"sum":3}`);
    expect(events.some((event) => event.type === 'response.output_audio.delta')).toBe(false);
    expect(events.some((event) => event.type === 'output_audio_buffer.started')).toBe(true);
    expect(peer.queuedMs).toBeCloseTo(beeps().length / 24, 5);
    peer.drainAudio();
    await peer.events.next('output_audio_buffer.stopped');
  });

  it('a new turn while the reply is active interrupts it (turn_detected)', async () => {
    const { answerOffer, peers } = fakePeers();
    const simulator = await harness.start({ rehearsal: { speech: 'tone' }, answerOffer, deltaDelayMs: 50 });
    await post(simulator, '/v1/realtime/calls', { body: FAKE_OFFER_SDP, contentType: 'application/sdp' });
    const peer = peers[0] as FakePeer;
    peer.sendClientEvent({ type: 'session.update', session: { type: 'realtime', tools: [] } });
    await peer.events.next('session.updated');
    peer.speak('started', 0);
    peer.speak('stopped', 800);
    await peer.events.next('response.output_audio_transcript.delta');
    peer.speak('started', 1500);
    const done = await peer.events.next('response.done');
    expect(done.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'turn_detected' } });
  });

  it('speech over a reply that is done but still playing drops its audio (output_audio_buffer.cleared)', async () => {
    const { answerOffer, peers } = fakePeers();
    const simulator = await harness.start({ ...tone, answerOffer });
    await post(simulator, '/v1/realtime/calls', { body: FAKE_OFFER_SDP, contentType: 'application/sdp' });
    const peer = peers[0] as FakePeer;
    peer.sendClientEvent({ type: 'session.update', session: { type: 'realtime', tools: [] } });
    await peer.events.next('session.updated');
    peer.speak('started', 0);
    peer.speak('stopped', 800);
    await peer.events.next('output_audio_buffer.started');
    await peer.events.next('response.done'); // the fake peer plays until drained: the audio is still playing
    peer.speak('started', 2000);
    await peer.events.next('output_audio_buffer.cleared');
    expect(peer.playback).toEqual(['started', 'cleared']);
  });

  it('push-to-talk with VAD off: a commit takes the speech heard on the track; response.create gets the call', async () => {
    const { answerOffer, peers } = fakePeers();
    const simulator = await harness.start({ ...tone, answerOffer });
    await post(simulator, '/v1/realtime/calls', { body: FAKE_OFFER_SDP, contentType: 'application/sdp' });
    const peer = peers[0] as FakePeer;
    peer.sendClientEvent({ type: 'session.update', session: { type: 'realtime', tools: [SUM_TOOL], audio: { input: { turn_detection: null } } } });
    await peer.events.next('session.updated');
    peer.sendClientEvent({ type: 'input_audio_buffer.commit', event_id: 'evt_nothing_said' });
    expect((await peer.events.next('error')).error).toMatchObject({ code: 'input_audio_buffer_commit_empty', event_id: 'evt_nothing_said' });
    peer.speak('started', 500); // the button is down; released before the detector saw the end
    peer.sendClientEvent({ type: 'input_audio_buffer.commit' });
    await peer.events.next('input_audio_buffer.committed');
    expect(peer.events.received.some((event) => event.type === 'input_audio_buffer.speech_started')).toBe(false);
    peer.sendClientEvent({ type: 'response.create' });
    expect((await peer.events.next('response.function_call_arguments.done')).name).toBe(SUM_TOOL.name);
  });
});
