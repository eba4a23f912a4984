/**
 * The embedding API on a real proxy over an in-memory transport (the server side is this test):
 * what each method puts on the wire and in which order, when it is refused, and that nothing a host
 * passes makes it throw.
 */
import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { createMemoryTransport } from '../protocol/memoryTransport.js';
import type { SendResult } from '../protocol/transport.js';
import { RESPONSE_CANCEL_EVENT_ID } from '../machines/response.js';
import { createRealtimeMcpProxy, type RealtimeMcpProxy } from './createRealtimeMcpProxy.js';
import { MAX_TEXT_CHARS } from './hostActions.js';

type Loose = { type: string; [field: string]: unknown };

async function session(options: { media?: boolean; instructions?: string } = {}) {
  const transport = createMemoryTransport();
  if (options.media) Object.defineProperty(transport, 'audio', { value: 'media' });
  const proxy = createRealtimeMcpProxy({ transport, servers: [], ...(options.instructions ? { instructions: options.instructions } : {}) });
  await proxy.start();
  const sent = () => transport.sent.map((text) => JSON.parse(text) as Loose);
  const types = () => sent().map((event) => event.type);
  const updated = () => transport.deliver({ type: 'session.updated', event_id: 'ev', session: { type: 'realtime' } });
  return { transport, proxy, sent, types, updated };
}

const code = (result: SendResult) => (result.ok ? 'ok' : result.error.code);
const audioDelta = (itemId: string, base64: string) => ({ type: 'response.output_audio.delta', event_id: 'ev', response_id: 'resp_1', item_id: itemId, output_index: 0, content_index: 0, delta: base64 });
const created = (id: string) => ({ type: 'response.created', event_id: 'ev', response: { id, object: 'realtime.response', status: 'in_progress', conversation_id: 'conv_1', output: [] } });
const done = (id: string) => ({ type: 'response.done', event_id: 'ev', response: { id, object: 'realtime.response', status: 'completed', conversation_id: 'conv_1', output: [] } });
/** `ms` of 24 kHz PCM16 silence, as base64. */
const pcm = (ms: number) => btoa('\0'.repeat(ms * 48));

describe('the embedding API on a configured session', () => {
  it('sendAudio appends base64 PCM16 from bytes or text; commit and clear follow as given', async () => {
    const { proxy, sent } = await session();
    expect(code(proxy.sendAudio(new Int16Array([1, -1, 300])))).toBe('ok');
    expect(code(proxy.sendAudio(new Uint8Array([1, 2, 3, 4, 5, 6]).subarray(2, 4)))).toBe('ok');
    expect(code(proxy.sendAudio('AAECAw=='))).toBe('ok');
    expect(code(proxy.commitAudio())).toBe('ok');
    expect(code(proxy.clearAudio())).toBe('ok');
    expect(sent().slice(1)).toEqual([
      { type: 'input_audio_buffer.append', audio: btoa(String.fromCharCode(1, 0, 255, 255, 44, 1)) },
      { type: 'input_audio_buffer.append', audio: btoa(String.fromCharCode(3, 4)) },
      { type: 'input_audio_buffer.append', audio: 'AAECAw==' },
      { type: 'input_audio_buffer.commit' },
      { type: 'input_audio_buffer.clear' },
    ]);
    await proxy.close();
  });

  it('every method works unbound (passed as a callback), as the proxy’s other methods do', async () => {
    const { proxy, types } = await session();
    const { sendAudio, commitAudio, clearAudio, sendText, interrupt, updateSession, setAllowedTools } = proxy;
    expect([sendAudio('AAECAw=='), commitAudio(), clearAudio(), sendText('hi', { respond: false }), interrupt(), updateSession({}), setAllowedTools(() => true)].map(code)).toEqual(Array(7).fill('ok'));
    expect(types().slice(1)).toEqual(['input_audio_buffer.append', 'input_audio_buffer.commit', 'input_audio_buffer.clear', 'conversation.item.create', 'session.update']);
    await proxy.close();
  });

  it('sendText sends the user item, then one response.create; a second text while a response runs waits for its done', async () => {
    const { proxy, sent, types, transport } = await session();
    expect(code(proxy.sendText('What is the weather?'))).toBe('ok');
    expect(sent()[1]).toEqual({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'What is the weather?' }] } });
    expect(types().slice(1)).toEqual(['conversation.item.create', 'response.create']);
    transport.deliver(created('resp_1'));
    proxy.sendText('And tomorrow?');
    proxy.sendText('And after?', { respond: true });
    proxy.sendText('Note this.', { respond: false });
    expect(types().filter((t) => t === 'response.create')).toHaveLength(1);
    transport.deliver(done('resp_1'));
    expect(types().slice(1)).toEqual(['conversation.item.create', 'response.create', 'conversation.item.create', 'conversation.item.create', 'conversation.item.create', 'response.create']);
    await proxy.close();
  });

  it('commitAudio({ respond: true }) asks for a response after the commit (push-to-talk)', async () => {
    const { proxy, types } = await session();
    proxy.commitAudio({ respond: true });
    expect(types().slice(1)).toEqual(['input_audio_buffer.commit', 'response.create']);
    await proxy.close();
  });

  it('interrupt: response.cancel, then truncate of the item playing at audioEndMs (clamped to the audio that arrived)', async () => {
    const { proxy, sent, transport } = await session();
    transport.deliver(created('resp_1'));
    transport.deliver(audioDelta('item_a', pcm(100)));
    transport.deliver(audioDelta('item_a', pcm(100)));
    expect(code(proxy.interrupt({ audioEndMs: 150.7 }))).toBe('ok');
    expect(sent().slice(1)).toEqual([
      { type: 'response.cancel', event_id: RESPONSE_CANCEL_EVENT_ID },
      { type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 150 },
    ]);
    // Once truncated the item is forgotten; the response is being cancelled: nothing more goes out.
    proxy.interrupt({ audioEndMs: 10 });
    expect(sent()).toHaveLength(3);
    transport.deliver(created('resp_2'));
    transport.deliver(audioDelta('item_b', pcm(40)));
    proxy.interrupt({ audioEndMs: 5_000 });
    expect(sent().slice(3)).toEqual([
      { type: 'response.cancel', event_id: RESPONSE_CANCEL_EVENT_ID },
      { type: 'conversation.item.truncate', item_id: 'item_b', content_index: 0, audio_end_ms: 40 },
    ]);
    await proxy.close();
  });

  it('interrupt after the response is done: no cancel; a truncate only for what was not heard; none without audioEndMs', async () => {
    const { proxy, sent, types, transport } = await session();
    transport.deliver(created('resp_1'));
    transport.deliver(audioDelta('item_a', pcm(200)));
    transport.deliver({ type: 'response.output_audio.done', event_id: 'ev', response_id: 'resp_1', item_id: 'item_a', output_index: 0, content_index: 0 });
    transport.deliver(done('resp_1'));
    proxy.interrupt();
    expect(types()).toEqual(['session.update']);
    proxy.interrupt({ audioEndMs: 200 }); // heard to the end
    expect(types()).toEqual(['session.update']);
    transport.deliver(audioDelta('item_b', pcm(200)));
    transport.deliver({ type: 'response.output_audio.done', event_id: 'ev', response_id: 'resp_1', item_id: 'item_b', output_index: 0, content_index: 0 });
    proxy.interrupt({ audioEndMs: 120 });
    expect(sent().slice(1)).toEqual([{ type: 'conversation.item.truncate', item_id: 'item_b', content_index: 0, audio_end_ms: 120 }]);
    await proxy.close();
  });

  it('counts G.711 output at 8 bytes per ms and accepts odd G.711 input', async () => {
    const { proxy, sent, transport } = await session();
    const g711 = { type: 'realtime', audio: { input: { format: { type: 'audio/pcmu' } }, output: { format: { type: 'audio/pcma' } } } };
    transport.deliver({ type: 'session.updated', event_id: 'ev', session: g711 });
    expect(code(proxy.sendAudio(new Uint8Array([1, 2, 3])))).toBe('ok');
    transport.deliver(audioDelta('item_a', btoa('\0'.repeat(800))));
    proxy.interrupt({ audioEndMs: 1_000 });
    expect(sent().at(-1)).toEqual({ type: 'conversation.item.truncate', item_id: 'item_a', content_index: 0, audio_end_ms: 100 });
    await proxy.close();
  });

  it('over a media transport: audio is refused (not_supported), interrupt clears the output buffer', async () => {
    const { proxy, sent, transport } = await session({ media: true });
    const refused = proxy.sendAudio(new Int16Array(240));
    expect(code(refused)).toBe('not_supported');
    expect(!refused.ok && refused.error.message).toMatch(/^Failed to send audio: .*media.*\. Please feed the microphone track instead\.$/);
    transport.deliver(created('resp_1'));
    proxy.interrupt({ audioEndMs: 100 });
    expect(sent().slice(1)).toEqual([{ type: 'response.cancel', event_id: RESPONSE_CANCEL_EVENT_ID }, { type: 'output_audio_buffer.clear' }]);
    // Push-to-talk over WebRTC still commits.
    expect(code(proxy.commitAudio())).toBe('ok');
    await proxy.close();
  });

  it('updateSession: sent alone; the next catalog update carries only the tools', async () => {
    const { proxy, sent, updated } = await session({ instructions: 'Old.' });
    updated();
    expect(code(proxy.updateSession({ instructions: 'New.', audio: { output: { voice: 'cedar' } } }))).toBe('ok');
    expect(sent()[1]).toEqual({ type: 'session.update', event_id: 'rmp_session_update_2', session: { type: 'realtime', instructions: 'New.', audio: { output: { voice: 'cedar' } } } });
    expect(code(proxy.updateSession({}))).toBe('ok');
    expect(sent()).toHaveLength(2);
    await proxy.close();
  });
});

describe('when the session is not open', () => {
  it('before start(): every send is refused with not_open; updateSession joins the first update', async () => {
    const transport = createMemoryTransport();
    const proxy = createRealtimeMcpProxy({ transport, servers: [], instructions: 'Old.' });
    for (const result of [proxy.sendAudio(new Int16Array(2)), proxy.commitAudio(), proxy.clearAudio(), proxy.sendText('hi'), proxy.interrupt()]) {
      expect(code(result)).toBe('not_open');
      expect(!result.ok && result.error.message).toMatch(/: the session is not open yet \(start\(\) has not resolved\)\. Please await proxy\.start\(\) first\.$/);
    }
    expect(code(proxy.updateSession({ instructions: 'New.' }))).toBe('ok');
    await proxy.start();
    expect(transport.sent.map((text) => JSON.parse(text) as Loose)).toEqual([expect.objectContaining({ type: 'session.update', session: expect.objectContaining({ instructions: 'New.' }) })]);
    await proxy.close();
  });

  it('after the session ended: not_open naming the reason, for every method, without throwing', async () => {
    const { proxy, transport } = await session();
    transport.serverClose(1011, 'gone');
    await proxy.ended;
    const results = [proxy.sendAudio('AAAA'), proxy.commitAudio(), proxy.clearAudio(), proxy.sendText('hi'), proxy.interrupt({ audioEndMs: 1 }), proxy.updateSession({ instructions: 'x' })];
    expect(results.map(code)).toEqual(Array(6).fill('not_open'));
    expect(!results[0]!.ok && results[0]!.error.message).toBe('Failed to send audio: the session has ended (socket_closed). Please start a new session.');
  });
});

describe('hostile arguments', () => {
  const throwing = new Proxy({}, { get: () => { throw new Error('trap'); }, has: () => { throw new Error('trap'); }, getOwnPropertyDescriptor: () => { throw new Error('trap'); }, ownKeys: () => { throw new Error('trap'); } });
  const cases: Array<[string, (proxy: RealtimeMcpProxy) => SendResult, string]> = [
    ['sendAudio(undefined)', (p) => p.sendAudio(undefined as never), 'invalid_input'],
    ['sendAudio(42)', (p) => p.sendAudio(42 as never), 'invalid_input'],
    ['sendAudio([1, 2])', (p) => p.sendAudio([1, 2] as never), 'invalid_input'],
    ['sendAudio(empty bytes)', (p) => p.sendAudio(new Uint8Array(0)), 'invalid_input'],
    ['sendAudio(odd bytes)', (p) => p.sendAudio(new Uint8Array(3)), 'invalid_input'],
    ['sendAudio(Float32Array)', (p) => p.sendAudio(new Float32Array(4)), 'invalid_input'],
    ['sendAudio(not base64)', (p) => p.sendAudio('hello world!'), 'invalid_input'],
    ['sendAudio(url-safe base64)', (p) => p.sendAudio('AA-_'), 'invalid_input'],
    ['sendAudio(odd base64)', (p) => p.sendAudio('AA=='), 'invalid_input'],
    ['sendAudio(16 MiB base64)', (p) => p.sendAudio('A'.repeat(16 * 1024 * 1024)), 'invalid_input'],
    ['sendAudio(a throwing Proxy)', (p) => p.sendAudio(throwing as never), 'invalid_input'],
    ['sendText(undefined)', (p) => p.sendText(undefined as never), 'invalid_input'],
    ['sendText({})', (p) => p.sendText({} as never), 'invalid_input'],
    ['sendText("  ")', (p) => p.sendText('  \n'), 'invalid_input'],
    ['sendText(giant)', (p) => p.sendText('x'.repeat(MAX_TEXT_CHARS + 1)), 'invalid_input'],
    ['sendText(respond: "yes")', (p) => p.sendText('hi', { respond: 'yes' as never }), 'invalid_input'],
    ['sendText(options null)', (p) => p.sendText('hi', null as never), 'invalid_input'],
    ['sendText(options throwing)', (p) => p.sendText('hi', throwing as never), 'invalid_input'],
    ['commitAudio(respond: 1)', (p) => p.commitAudio({ respond: 1 as never }), 'invalid_input'],
    ['interrupt(audioEndMs NaN)', (p) => p.interrupt({ audioEndMs: Number.NaN }), 'invalid_input'],
    ['interrupt(audioEndMs -1)', (p) => p.interrupt({ audioEndMs: -1 }), 'invalid_input'],
    ['interrupt(audioEndMs Infinity)', (p) => p.interrupt({ audioEndMs: Number.POSITIVE_INFINITY }), 'invalid_input'],
    ['interrupt(audioEndMs "100")', (p) => p.interrupt({ audioEndMs: '100' as never }), 'invalid_input'],
    ['interrupt(42)', (p) => p.interrupt(42 as never), 'invalid_input'],
    ['updateSession(null)', (p) => p.updateSession(null as never), 'invalid_options'],
    ['updateSession("x")', (p) => p.updateSession('x' as never), 'invalid_options'],
    ['updateSession([])', (p) => p.updateSession([] as never), 'invalid_options'],
    ['updateSession({ type })', (p) => p.updateSession({ type: 'transcription' } as never), 'invalid_options'],
    ['updateSession({ model })', (p) => p.updateSession({ model: 'gpt-4o' } as never), 'invalid_options'],
    ['updateSession({ tools })', (p) => p.updateSession({ tools: [] } as never), 'invalid_options'],
    ['updateSession({ tool_choice })', (p) => p.updateSession({ tool_choice: 'none' } as never), 'invalid_options'],
    ['updateSession({ instructiosn })', (p) => p.updateSession({ instructiosn: 'typo' } as never), 'invalid_options'],
    ['updateSession({ instructions: 42 })', (p) => p.updateSession({ instructions: 42 } as never), 'invalid_options'],
    ['updateSession(a cycle)', (p) => p.updateSession((() => { const o: Record<string, unknown> = {}; o.tracing = { metadata: o }; return o; })() as never), 'invalid_options'],
    ['updateSession(giant instructions)', (p) => p.updateSession({ instructions: 'x'.repeat(1_000_001) }), 'invalid_options'],
    ['updateSession(a throwing Proxy)', (p) => p.updateSession(throwing as never), 'invalid_options'],
  ];

  it.each(cases)('%s is refused without throwing, and sends nothing', async (_name, act, expected) => {
    const { proxy, transport } = await session();
    const before = transport.sent.length;
    const result = act(proxy);
    expect(code(result)).toBe(expected);
    expect(!result.ok && ProxyError.isInstance(result.error) && result.error.message).toMatch(/^Failed to .+: .+\. Please .+\.$/s);
    expect(transport.sent.length).toBe(before);
    await proxy.close();
  });

  it('names the field updateSession refuses, and why', async () => {
    const { proxy } = await session();
    const messages = [{ model: 'x' }, { tools: [] }, { instructiosn: 'x' }].map((patch) => {
      const result = proxy.updateSession(patch as never);
      return result.ok ? '' : result.error.message;
    });
    expect(messages[0]).toBe('Failed to update the session: "model" cannot be changed: the model is fixed once the session exists. Please pass only session fields such as instructions, audio, output_modalities, max_output_tokens or truncation.');
    expect(messages[1]).toMatch(/^Failed to update the session: "tools" cannot be changed: the tools are the proxy's/);
    expect(messages[2]).toMatch(/^Failed to update the session: "instructiosn" is not a known field/);
    await proxy.close();
  });

  it('a patch is copied: a later change by the host, or a __proto__ key, changes nothing sent', async () => {
    const { proxy, sent, updated } = await session();
    updated();
    const patch = JSON.parse('{"instructions":"A.","tracing":{"workflow_name":"w","metadata":{"__proto__":{"polluted":true}}}}') as Record<string, unknown>;
    expect(code(proxy.updateSession(patch as never))).toBe('ok');
    patch.instructions = 'changed';
    expect(sent()[1]).toMatchObject({ session: { instructions: 'A.' } });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    await proxy.close();
  });
});
