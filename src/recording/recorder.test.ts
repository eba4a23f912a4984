import { describe, expect, it, vi } from 'vitest';
import { createMemoryTransport } from '../protocol/memoryTransport.js';
import type { RecordingHeader } from './format.js';
import { Recorder } from './recorder.js';
import { audioDelta, audioOf, fakeHash, ids, setup } from './recorderTestSupport.js';

describe('Recorder: header and records', () => {
  it('writes the header first, with format, version, redaction profile, servers and proxy options', () => {
    const { parsed } = setup({
      model: 'gpt-realtime',
      description: 'one call',
      servers: [{ label: 'weather', transport: 'streamable-http', url: 'http://127.0.0.1:4000/mcp' }],
      proxy: { approval: { mode: 'always', timeoutMs: 300 }, timeouts: { defaultMs: 1000 }, allowedTools: ['lookup'] },
      meta: { scenario: 's1' },
      hash: fakeHash,
    });
    const lines = parsed();
    expect(lines).toHaveLength(1);
    expect(lines[0]).toStrictEqual({
      kind: 'header',
      format: 'realtime-mcp-proxy/recording',
      version: 1,
      startedAt: '2026-01-02T03:04:05.678Z',
      clock: 'monotonic-ms',
      model: 'gpt-realtime',
      description: 'one call',
      redaction: { profile: 'default', ids: 'placeholders', audio: 'elided' },
      servers: [{ label: 'weather', transport: 'streamable-http', url: 'http://127.0.0.1:4000/mcp' }],
      proxy: { approval: { mode: 'always', timeoutMs: 300 }, timeouts: { defaultMs: 1000 }, allowedTools: ['lookup'] },
      meta: { scenario: 's1' },
    });
  });

  it('declares in the header the id and audio modes actually used (kept without a hash, raw ids)', () => {
    const header = setup({ ids: 'raw' }).parsed()[0] as RecordingHeader;
    expect(header.redaction).toStrictEqual({ profile: 'default', ids: 'raw', audio: 'kept' });
    expect(header.model).toBeNull();
    expect(header).not.toHaveProperty('servers');
    expect((setup({ hash: fakeHash, audio: 'sidecar' }).parsed()[0] as RecordingHeader).redaction.audio).toBe('sidecar');
  });

  it('refuses audio "elided" or "sidecar" without a hash, rather than writing a header its records contradict', () => {
    for (const audio of ['elided', 'sidecar'] as const) {
      expect(() => new Recorder({ sink: { write: () => undefined, close: () => undefined }, audio })).toThrow(`Failed to create a recorder: audio "${audio}" needs a hash function`);
    }
  });

  it('numbers records 1, 2, 3… and times them in ms since the recorder started, rounded to the microsecond', () => {
    const { recorder, records, advance } = setup();
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: { type: 'a' } });
    advance(12.5);
    recorder.record({ peer: 'openai', dir: 'out', kind: 'ws.message', data: { type: 'b' } });
    advance(1.23456);
    recorder.record({ peer: 'host', dir: 'in', kind: 'approval.answer', approvalId: 'x1', approved: true });
    expect(records().map(({ seq, t }) => [seq, t])).toStrictEqual([
      [1, 0],
      [2, 12.5],
      [3, 13.735],
    ]);
  });
});

describe('Recorder.tapTransport', () => {
  it('records open, server frames in, client events out and the close with its code and reason', async () => {
    const { recorder, records } = setup();
    const transport = createMemoryTransport();
    recorder.tapTransport(transport, 'wss://api.openai.com/v1/realtime?model=gpt-realtime');
    await transport.connect();
    transport.deliver({ type: 'session.created', event_id: 'e1', session: { type: 'realtime' } });
    transport.deliver('not json at all');
    expect(transport.send({ type: 'response.create' }).ok).toBe(true);
    transport.serverClose(4000, 'session_expired');
    expect(records().map(({ seq, t, ...rest }) => rest)).toStrictEqual([
      { peer: 'openai', dir: 'out', kind: 'ws.open', url: 'wss://api.openai.com/v1/realtime?model=gpt-realtime' },
      { peer: 'openai', dir: 'in', kind: 'ws.message', data: { type: 'session.created', event_id: '<id:event:1>', session: { type: 'realtime' } } },
      { peer: 'openai', dir: 'in', kind: 'ws.message', data: 'not json at all' },
      { peer: 'openai', dir: 'out', kind: 'ws.message', data: { type: 'response.create' } },
      { peer: 'openai', dir: 'in', kind: 'ws.close', code: 4000, reason: 'session_expired' },
    ]);
  });

  it('stops recording once the returned off function is called', async () => {
    const { recorder, records } = setup();
    const transport = createMemoryTransport();
    const off = recorder.tapTransport(transport);
    await transport.connect();
    transport.deliver({ type: 'session.created' });
    off();
    transport.deliver({ type: 'session.updated' });
    await transport.close();
    expect(records().map((record) => record.kind)).toStrictEqual(['ws.open', 'ws.message']);
  });

  it('elides audio deltas in both directions to { $elided, bytes, sha256 } with the decoded byte count', async () => {
    const hash = vi.fn(fakeHash);
    const { recorder, ofKind } = setup({ hash });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    // 1..6 bytes: base64 with two, one and no padding characters.
    const payloads = [1, 2, 3, 4, 5, 6].map((bytes) => audioOf(bytes));
    for (const payload of payloads) transport.deliver(audioDelta(payload));
    transport.deliver({ type: 'response.audio.delta', delta: audioOf(10) });
    expect(transport.send({ type: 'input_audio_buffer.append', audio: audioOf(480) }).ok).toBe(true);

    const data = ofKind('ws.message').map((record) => record.data as Record<string, unknown>);
    expect(data.slice(0, 6).map((event) => event.delta)).toStrictEqual(payloads.map((payload, i) => ({ $elided: 'base64', bytes: i + 1, sha256: `hash(${payload})` })));
    expect(data[0]).toMatchObject({ type: 'response.output_audio.delta', item_id: '<id:item:1>', output_index: 0 });
    expect(data[6]!.delta).toStrictEqual({ $elided: 'base64', bytes: 10, sha256: `hash(${audioOf(10)})` });
    expect(data[7]).toStrictEqual({ type: 'input_audio_buffer.append', audio: { $elided: 'base64', bytes: 480, sha256: `hash(${audioOf(480)})` } });
    expect(hash).toHaveBeenCalledTimes(8);
  });

  it('leaves the same field of other event types alone (only audio events are elided)', async () => {
    const { recorder, ofKind } = setup({ hash: fakeHash });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    transport.deliver({ type: 'response.output_audio_transcript.delta', delta: 'hello' });
    transport.deliver({ type: 'response.function_call_arguments.delta', delta: '{"a":' });
    expect(ofKind('ws.message').map((record) => (record.data as { delta: unknown }).delta)).toStrictEqual(['hello', '{"a":']);
  });

  it('elides only the audio events it lists: a frame whose type is an Object.prototype name is written as it came', async () => {
    const { recorder, ofKind } = setup({ hash: fakeHash });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    // Looked up on an ordinary object, these types would find Object.prototype members, whose names as keys are these fields.
    const frames = [
      { type: '__proto__', '[object Object]': audioOf(3) },
      { type: 'toString', [String(Object.prototype.toString)]: audioOf(3) },
      { type: 'constructor', [String(Object)]: audioOf(3) },
    ];
    for (const frame of frames) transport.deliver(JSON.stringify(frame));
    expect(ofKind('ws.message').map((record) => record.data)).toStrictEqual(frames);
  });

  it('hands each audio payload to onAudio in sidecar mode, and writes it inline in kept mode', async () => {
    const onAudio = vi.fn();
    const sidecar = setup({ hash: fakeHash, audio: 'sidecar', onAudio });
    const kept = setup({ hash: fakeHash, audio: 'kept', onAudio });
    for (const { recorder } of [sidecar, kept]) {
      const transport = createMemoryTransport();
      recorder.tapTransport(transport);
      await transport.connect();
      transport.deliver(audioDelta(audioOf(3, 1)));
      transport.deliver(audioDelta(audioOf(3, 2)));
    }
    expect(onAudio.mock.calls).toStrictEqual([
      [`hash(${audioOf(3, 1)})`, audioOf(3, 1)],
      [`hash(${audioOf(3, 2)})`, audioOf(3, 2)],
    ]);
    expect(sidecar.ofKind('ws.message').map((record) => (record.data as { delta: unknown }).delta)).toStrictEqual([
      { $elided: 'base64', bytes: 3, sha256: `hash(${audioOf(3, 1)})` },
      { $elided: 'base64', bytes: 3, sha256: `hash(${audioOf(3, 2)})` },
    ]);
    expect(kept.ofKind('ws.message').map((record) => (record.data as { delta: unknown }).delta)).toStrictEqual([audioOf(3, 1), audioOf(3, 2)]);
  });
});

describe('Recorder: ids', () => {
  const frames = [
    { type: 'response.created', event_id: ids.event1, response: { id: ids.resp1, object: 'realtime.response' } },
    { type: 'response.output_item.done', event_id: ids.event2, response_id: ids.resp1, item: { id: ids.item1, type: 'function_call', call_id: ids.call1 } },
  ];

  it('replaces event, response, item and call ids with <id:kind:n>, the same id by the same placeholder in every record', async () => {
    const { recorder, ofKind } = setup();
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    for (const frame of frames) transport.deliver(frame);
    transport.send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: ids.call1, output: '{}' } });
    expect(ofKind('ws.message').map((record) => record.data)).toStrictEqual([
      { type: 'response.created', event_id: '<id:event:1>', response: { id: '<id:resp:1>', object: 'realtime.response' } },
      { type: 'response.output_item.done', event_id: '<id:event:2>', response_id: '<id:resp:1>', item: { id: '<id:item:1>', type: 'function_call', call_id: '<id:call:1>' } },
      { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: '<id:call:1>', output: '{}' } },
    ]);
  });

  it('treats ids named like Object.prototype properties as ids: placeholders in the records, the real names in the mapping', async () => {
    const { recorder, ofKind } = setup();
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    transport.deliver({ type: 'response.output_item.added', event_id: 'hasOwnProperty', response_id: 'constructor', output_index: 0, item: { id: '__proto__', type: 'function_call', call_id: 'toString', name: 'f', arguments: '' } });
    transport.deliver({ type: 'response.function_call_arguments.delta', event_id: 'valueOf', response_id: 'constructor', item_id: '__proto__', call_id: 'toString', output_index: 0, delta: '{}' });
    expect(ofKind('ws.message').map((record) => record.data)).toStrictEqual([
      { type: 'response.output_item.added', event_id: '<id:event:1>', response_id: '<id:response:1>', output_index: 0, item: { id: '__proto__', type: 'function_call', call_id: '<id:call:1>', name: 'f', arguments: '' } },
      { type: 'response.function_call_arguments.delta', event_id: '<id:event:2>', response_id: '<id:response:1>', item_id: '<id:item:1>', call_id: '<id:call:1>', output_index: 0, delta: '{}' },
    ]);
    expect(Object.entries(recorder.idMapping())).toStrictEqual([
      ['<id:event:1>', 'hasOwnProperty'],
      ['<id:response:1>', 'constructor'],
      ['<id:call:1>', 'toString'],
      ['<id:event:2>', 'valueOf'],
      ['<id:item:1>', '__proto__'],
    ]);
  });

  it('keeps real ids with ids: raw, and then has no mapping', async () => {
    const { recorder, ofKind } = setup({ ids: 'raw' });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    for (const frame of frames) transport.deliver(frame);
    expect(ofKind('ws.message').map((record) => record.data)).toStrictEqual(frames);
    expect(recorder.idMapping()).toStrictEqual({});
  });

  it('tells onIdPlaceholder about each new placeholder exactly once, matching idMapping()', async () => {
    const heard: Array<[string, string]> = [];
    const { recorder } = setup({ onIdPlaceholder: (placeholder, id) => heard.push([placeholder, id]) });
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    for (const frame of [...frames, ...frames]) transport.deliver(frame);
    expect(heard).toStrictEqual([
      ['<id:event:1>', ids.event1],
      ['<id:resp:1>', ids.resp1],
      ['<id:event:2>', ids.event2],
      ['<id:item:1>', ids.item1],
      ['<id:call:1>', ids.call1],
    ]);
    expect(recorder.idMapping()).toStrictEqual(Object.fromEntries(heard));
  });
});

describe('Recorder: approval answers and close', () => {
  it('records an approval answer from the host, its id as a placeholder, reason and sticky kept', () => {
    const { recorder, records } = setup();
    recorder.approval({ approvalId: 'appr_Q2Pz4R6xL9kWd', approved: false, reason: 'not today', sticky: true });
    recorder.approval({ approvalId: 'appr_Q2Pz4R6xL9kWd', approved: true });
    expect(records().map(({ seq, t, ...rest }) => rest)).toStrictEqual([
      { peer: 'host', dir: 'in', kind: 'approval.answer', approvalId: '<id:appr:1>', approved: false, reason: 'not today', sticky: true },
      { peer: 'host', dir: 'in', kind: 'approval.answer', approvalId: '<id:appr:1>', approved: true },
    ]);
  });

  it('writes nothing after close(), and closes the sink once however often close() is called', async () => {
    const { recorder, lines, sinkClosed } = setup();
    const transport = createMemoryTransport();
    recorder.tapTransport(transport);
    await transport.connect();
    const written = lines.length;
    await recorder.close();
    await recorder.close();
    transport.deliver({ type: 'session.created' });
    recorder.approval({ approvalId: 'a1', approved: true });
    recorder.record({ peer: 'openai', dir: 'in', kind: 'ws.message', data: 'late' });
    await transport.close();
    expect(lines).toHaveLength(written);
    expect(sinkClosed()).toBe(1);
  });
});

// A real HTTP server for tapFetch: JSON answers, SSE answers written in pieces, plain text.
