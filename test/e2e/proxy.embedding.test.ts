/**
 * The embedding API end to end: the Node proxy against the local Realtime simulator and the mock
 * MCP server on 127.0.0.1. Audio appended and committed (push-to-talk), a text message answered,
 * an interruption in the middle of a spoken reply (cancel, then truncate of what was not heard),
 * an interruption of a running tool call (the barge-in rules), a session update that a catalog
 * change (`list_changed`) does not revert, and a table of hostile arguments that reach nothing.
 * Assertions read what the simulator received and holds.
 */
import { describe, expect, it } from 'vitest';
import { startMockMcpServer } from '../../harness/mock-mcp/index.js';
import { createMemoryTransport } from '../../src/protocol/memoryTransport.js';
import type { SendResult } from '../../src/protocol/transport.js';
import { createRealtimeMcpProxy, type RealtimeMcpProxy } from '../../src/proxy/createRealtimeMcpProxy.js';
import { lookup, mockConfig, slowRead } from './mockTools.js';
import { errorOf, startE2E, toolNames, useE2E, waitFor, type E2E, type Loose } from './support.js';

useE2E();

const code = (result: SendResult) => (result.ok ? 'ok' : result.error.code);
/** `ms` of a 24 kHz PCM16 tone (not silence: nothing here runs VAD, but it is audio all the same). */
const tone = (ms: number) => Int16Array.from({ length: ms * 24 }, (_, i) => Math.round(8000 * Math.sin(i / 8)));
const received = (e2e: E2E, type: string) => (e2e.sim.clientEvents as unknown as Loose[]).filter((event) => event.type === type);
const sent = (e2e: E2E) => (e2e.sim.serverEvents as unknown as Loose[]);
const ready = (e2e: E2E) => waitFor(() => e2e.proxy.snapshot().state === 'ready', 'the session to be ready');

describe('audio', () => {
  it('appends reach the simulator as sent; a commit with respond makes the user item and the model answers (push-to-talk)', async () => {
    const e2e = await startE2E({ mock: mockConfig([lookup]), script: [] });
    const chunks = [tone(100), tone(100), tone(60)];
    for (const chunk of chunks) expect(code(e2e.proxy.sendAudio(chunk))).toBe('ok');
    expect(code(e2e.proxy.sendAudio(Buffer.from(tone(40).buffer).toString('base64')))).toBe('ok');
    expect(code(e2e.proxy.commitAudio({ respond: true }))).toBe('ok');
    await waitFor(() => e2e.transcripts().length === 1, 'the spoken answer');
    const appends = received(e2e, 'input_audio_buffer.append');
    expect(appends.map((event) => Buffer.from(event.audio as string, 'base64').length)).toEqual([4800, 4800, 2880, 1920]);
    expect(Buffer.from(appends[0]!.audio as string, 'base64').equals(Buffer.from(chunks[0]!.buffer))).toBe(true);
    const types = (e2e.sim.clientEvents as unknown as Loose[]).map((event) => event.type).filter((type) => type !== 'input_audio_buffer.append');
    expect(types.slice(-2)).toEqual(['input_audio_buffer.commit', 'response.create']);
    expect(sent(e2e).some((event) => event.type === 'input_audio_buffer.committed')).toBe(true);
    expect(e2e.sim.sessions[0]!.rejectedFrames).toEqual([]);
  });

  it('clearAudio empties the buffer: a commit after it is refused by the server as empty', async () => {
    const e2e = await startE2E({ script: [] });
    e2e.proxy.sendAudio(tone(200));
    expect(code(e2e.proxy.clearAudio())).toBe('ok');
    e2e.proxy.commitAudio();
    await waitFor(() => e2e.eventsOf('realtime.error').length === 1, 'the refused commit');
    expect(sent(e2e).some((event) => event.type === 'input_audio_buffer.cleared')).toBe(true);
    expect(e2e.eventsOf('realtime.error')[0]).toMatchObject({ code: 'input_audio_buffer_commit_empty' });
  });

  it('over a media transport (WebRTC, SIP) an append is refused with not_supported and nothing is sent', async () => {
    const mock = await startMockMcpServer(mockConfig([lookup]));
    const transport = createMemoryTransport();
    Object.defineProperty(transport, 'audio', { value: 'media' });
    const proxy = createRealtimeMcpProxy({ transport, servers: [{ label: 'mock', url: mock.url }], catalogCache: false });
    try {
      await proxy.start();
      const before = transport.sent.length;
      const result = proxy.sendAudio(tone(40));
      expect(code(result)).toBe('not_supported');
      expect(transport.sent.length).toBe(before);
    } finally {
      await proxy.close();
      await mock.close();
    }
  });
});

describe('text', () => {
  it('sendText: the user item, then one response.create; the model speaks its answer', async () => {
    const e2e = await startE2E({ mock: mockConfig([lookup]), script: [] });
    expect(code(e2e.proxy.sendText('What can you look up?'))).toBe('ok');
    await waitFor(() => e2e.transcripts().length === 1, 'the answer');
    const [item] = received(e2e, 'conversation.item.create');
    expect(item).toEqual({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What can you look up?' }] } });
    expect(e2e.creates()).toBe(1);
    // The simulator's own answer to a response.create that no script step claims.
    expect(e2e.transcripts()).toEqual(['Okay.']);
    const stored = sent(e2e).find((event) => event.type === 'conversation.item.done' && event.item.role === 'user');
    expect(stored?.item.content).toEqual([{ type: 'input_text', text: 'What can you look up?' }]);
  });

  it('a text sent while the model speaks is answered after it: never two responses at once', async () => {
    const e2e = await startE2E({ script: [{ say: 'Here is a rather long answer that takes a while to say out loud.' }], simulator: { deltaDelayMs: 10 } });
    await waitFor(() => e2e.eventsOf('realtime.audio').length > 0, 'the spoken answer to begin');
    expect(code(e2e.proxy.sendText('Thanks, and one more thing?'))).toBe('ok');
    await waitFor(() => e2e.transcripts().length === 2, 'the second answer');
    expect(e2e.eventsOf('realtime.error')).toEqual([]);
    expect(e2e.creates()).toBe(1);
    const kinds = sent(e2e).filter((event) => event.type === 'response.created' || event.type === 'response.done').map((event) => event.type);
    expect(kinds).toEqual(['response.created', 'response.done', 'response.created', 'response.done']);
  });
});

describe('interrupt', () => {
  it('in the middle of a spoken reply: response.cancel, then a truncate at what was played; the server keeps only that', async () => {
    const text = 'This is a long spoken reply that the user will not hear to the end because they press stop.';
    const e2e = await startE2E({ script: [{ say: text }], simulator: { deltaDelayMs: 15 } });
    const playing = await waitFor(() => e2e.eventsOf('realtime.audio').length >= 3 && (e2e.eventsOf('realtime.audio')[0] as Loose), 'three audio deltas');
    // The host's player played 50 ms of it.
    expect(code(e2e.proxy.interrupt({ audioEndMs: 50 }))).toBe('ok');
    await waitFor(() => sent(e2e).some((event) => event.type === 'response.done'), 'the cancelled response');
    await waitFor(() => sent(e2e).some((event) => event.type === 'conversation.item.truncated'), 'the truncation');
    await e2e.quiesce();
    const out = (e2e.sim.clientEvents as unknown as Loose[]).slice(1).map((event) => event.type);
    expect(out).toEqual(['response.cancel', 'conversation.item.truncate']);
    expect(received(e2e, 'conversation.item.truncate')).toEqual([{ type: 'conversation.item.truncate', item_id: playing.item_id, content_index: 0, audio_end_ms: 50 }]);
    expect(sent(e2e).find((event) => event.type === 'response.done')?.response).toMatchObject({ status: 'cancelled', status_details: { reason: 'client_cancelled' } });
    // The server took it (the simulator applies the cut once the item is done: conversation.test.ts).
    expect(sent(e2e).find((event) => event.type === 'conversation.item.truncated')).toMatchObject({ item_id: playing.item_id, content_index: 0, audio_end_ms: 50 });
    expect(e2e.eventsOf('realtime.error')).toEqual([]);
    expect(e2e.transcripts()[0]!.length).toBeLessThan(text.length);
  });

  it('on speech_started (the README recipe): the server cancelled already, so our cancel finds nothing (not reported); the truncate is taken', async () => {
    const e2e = await startE2E({
      script: [{ bargeIn: { during: 'audio', afterDeltas: 4, user: 'Wait.' } }, { say: 'A reply long enough to be interrupted by the user speaking over it.' }],
      simulator: { deltaDelayMs: 5 },
    });
    let heardMs = 0;
    e2e.proxy.on('realtime.audio', () => void (heardMs += 40));
    e2e.proxy.on('realtime.event', (event) => {
      // The player played all but the last chunk it received.
      if (event.type === 'input_audio_buffer.speech_started') e2e.proxy.interrupt({ audioEndMs: heardMs - 40 });
    });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await waitFor(() => sent(e2e).some((event) => event.type === 'conversation.item.truncated'), 'the truncation');
    await e2e.quiesce();
    expect(received(e2e, 'response.cancel')).toEqual([{ type: 'response.cancel', event_id: 'rmp_response_cancel' }]);
    expect(sent(e2e).find((event) => event.type === 'error')?.error).toMatchObject({ code: 'response_cancel_not_active', event_id: 'rmp_response_cancel' });
    expect(e2e.eventsOf('realtime.error')).toEqual([]);
    expect(received(e2e, 'conversation.item.truncate')).toEqual([expect.objectContaining({ content_index: 0, audio_end_ms: 120 })]);
  });

  it('during a running read-only call: the call is cancelled as if the user spoke (one output, MCP aborted), no cancel and no new response', async () => {
    const e2e = await startE2E({ mock: mockConfig([slowRead]), script: [{ user: 'Read it.' }, { callTool: { name: 'slow_read', arguments: { text: 'x' }, reply: false } }] });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await waitFor(() => e2e.mock!.callLog[0]?.outcome === 'pending', 'the MCP server to run the call');
    // The call's response is over (so nothing is left to cancel); the call runs on.
    await waitFor(() => e2e.eventsOf('realtime.event').some((event) => event.type === 'response.done'), 'the response.done');
    expect(code(e2e.proxy.interrupt())).toBe('ok');
    const [call] = e2e.calls();
    await waitFor(() => e2e.outputFor(call!.call_id), 'the cancelled output');
    await waitFor(() => e2e.mock!.callLog[0]?.outcome === 'cancelled', 'notifications/cancelled at the mock');
    await e2e.quiesce();
    expect(errorOf(e2e.outputFor(call!.call_id))?.code).toBe('cancelled');
    expect(e2e.outputs()).toHaveLength(1);
    expect(e2e.creates()).toBe(0);
    expect(received(e2e, 'response.cancel')).toEqual([]);
  });
});

describe('updateSession', () => {
  it('survives a catalog change: the list_changed update carries only the tools, and the session keeps the host fields', async () => {
    const e2e = await startE2E({ mock: mockConfig([lookup]), script: [], proxy: { instructions: 'Be brief.' } });
    await ready(e2e);
    // What the server holds: session.updated carries the complete effective session.
    const session = () => sent(e2e).filter((event) => event.type === 'session.updated').at(-1)!.session as Loose;
    expect(code(e2e.proxy.updateSession({ instructions: 'Answer in French.', audio: { output: { speed: 1.2 } } }))).toBe('ok');
    await waitFor(() => session().instructions === 'Answer in French.', 'the host update');
    await e2e.mock!.setTools([lookup, { ...lookup, name: 'define', description: 'Defines a word.' }]);
    await waitFor(() => e2e.sessionUpdates().length === 3, 'the session.update after list_changed');
    await e2e.quiesce();
    const [first, host, tools] = e2e.sessionUpdates();
    expect(first!.session).toMatchObject({ instructions: 'Be brief.', tool_choice: 'auto' });
    expect(host!.session).toEqual({ type: 'realtime', instructions: 'Answer in French.', audio: { output: { speed: 1.2 } } });
    expect(Object.keys(tools!.session).sort()).toEqual(['tool_choice', 'tools', 'type']);
    expect(toolNames(tools!)).toEqual(['lookup', 'define']);
    expect(session().instructions).toBe('Answer in French.');
    expect(session().audio.output.speed).toBe(1.2);
    expect((session().tools as Loose[]).map((t) => t.name)).toEqual(['lookup', 'define']);
  });

  it('a field the server refuses (a voice change after audio) is a realtime.error; the session goes on', async () => {
    const e2e = await startE2E({ script: [{ say: 'Hello there.' }] });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    expect(code(e2e.proxy.updateSession({ audio: { output: { voice: 'cedar' } } }))).toBe('ok');
    await waitFor(() => e2e.eventsOf('realtime.error').length === 1, 'the refusal');
    expect(e2e.eventsOf('realtime.error')[0]).toMatchObject({ code: 'cannot_update_voice', event_id: 'rmp_session_update_2' });
    expect(code(e2e.proxy.sendText('Still there?'))).toBe('ok');
    await waitFor(() => e2e.transcripts().length === 2, 'an answer after the refusal');
  });
});

describe('hostile arguments', () => {
  const cases: Array<[string, (proxy: RealtimeMcpProxy) => SendResult, string]> = [
    ['sendAudio(null)', (p) => p.sendAudio(null as never), 'invalid_input'],
    ['sendAudio(odd bytes)', (p) => p.sendAudio(new Uint8Array(481)), 'invalid_input'],
    ['sendAudio(not base64)', (p) => p.sendAudio('not audio!'), 'invalid_input'],
    ['sendAudio(Float32Array)', (p) => p.sendAudio(new Float32Array(480)), 'invalid_input'],
    ['sendAudio(16 MiB)', (p) => p.sendAudio(new Uint8Array(16 * 1024 * 1024)), 'invalid_input'],
    ['sendText(42)', (p) => p.sendText(42 as never), 'invalid_input'],
    ['sendText("")', (p) => p.sendText(''), 'invalid_input'],
    ['sendText(300k characters)', (p) => p.sendText('x'.repeat(300_000)), 'invalid_input'],
    ['sendText(respond: "no")', (p) => p.sendText('hi', { respond: 'no' as never }), 'invalid_input'],
    ['interrupt(audioEndMs NaN)', (p) => p.interrupt({ audioEndMs: Number.NaN }), 'invalid_input'],
    ['interrupt(audioEndMs -5)', (p) => p.interrupt({ audioEndMs: -5 }), 'invalid_input'],
    ['updateSession({ model })', (p) => p.updateSession({ model: 'gpt-5' } as never), 'invalid_options'],
    ['updateSession({ tools })', (p) => p.updateSession({ tools: [{ type: 'function', name: 'x' }] } as never), 'invalid_options'],
    ['updateSession({ type })', (p) => p.updateSession({ type: 'transcription' } as never), 'invalid_options'],
    ['updateSession({ voice: 42 })', (p) => p.updateSession({ audio: { output: { voice: 42 } } } as never), 'invalid_options'],
    ['updateSession(undefined)', (p) => p.updateSession(undefined as never), 'invalid_options'],
  ];

  it('each is refused with its code, nothing reaches the simulator, and the session still answers afterwards', async () => {
    const e2e = await startE2E({ mock: mockConfig([lookup]), script: [] });
    await ready(e2e);
    const before = e2e.sim.clientEvents.length;
    const outcomes = cases.map(([name, act]) => [name, code(act(e2e.proxy))]);
    expect(outcomes).toEqual(cases.map(([name, , expected]) => [name, expected]));
    expect(e2e.sim.clientEvents.length).toBe(before);
    expect(code(e2e.proxy.sendText('Hello?'))).toBe('ok');
    await waitFor(() => e2e.transcripts().length === 1, 'an answer');
    expect(e2e.sim.sessions[0]!.rejectedFrames).toEqual([]);
    expect(e2e.errors).toEqual([]);
  });

  it('after the session ended: every method returns not_open and nothing throws', async () => {
    const e2e = await startE2E({ script: [{ close: { code: 1000 } }] });
    await e2e.proxy.ended;
    const results = [e2e.proxy.sendAudio(tone(20)), e2e.proxy.commitAudio(), e2e.proxy.clearAudio(), e2e.proxy.sendText('hi'), e2e.proxy.interrupt({ audioEndMs: 10 }), e2e.proxy.updateSession({ instructions: 'x' })];
    expect(results.map(code)).toEqual(Array(6).fill('not_open'));
  });
});
