import { describe, expect, it, vi } from 'vitest';
import { clientEventExamples, serverEventExamples } from '../../test/fixtures/realtimeEvents.js';
import { ProxyError } from '../errors.js';
import type { DecodedServerEvent } from './codec.js';
import { betaEventNames } from './dialects.js';
import type { ClientEvent } from './generated/types.js';
import { createMemoryTransport, type MemoryTransport } from './memoryTransport.js';
import type { FrameDirection, InboundEventMeta, TransportCloseInfo } from './transport.js';

/** A transport with every event it emits written down, in order. */
function observed(transport: MemoryTransport = createMemoryTransport()) {
  const log: string[] = [];
  const events: Array<[DecodedServerEvent, InboundEventMeta]> = [];
  const frames: Array<[FrameDirection, string]> = [];
  const errors: ProxyError[] = [];
  const closes: TransportCloseInfo[] = [];
  transport.on('open', () => log.push('open'));
  transport.on('event', (event, meta) => {
    log.push(`event ${event.type}`);
    events.push([event, meta]);
  });
  transport.on('frame', (direction, text) => {
    log.push(`frame ${direction}`);
    frames.push([direction, text]);
  });
  transport.on('error', (error) => {
    log.push(`error ${error.code}`);
    errors.push(error);
  });
  transport.on('close', (info) => {
    log.push('close');
    closes.push(info);
  });
  return { transport, log, events, frames, errors, closes };
}

async function opened() {
  const o = observed();
  await o.transport.connect();
  return o;
}

function expectProxyError(fn: () => unknown, code: string): ProxyError {
  try {
    fn();
  } catch (error) {
    expect(ProxyError.isInstance(error)).toBe(true);
    expect((error as ProxyError).code).toBe(code);
    expect((error as ProxyError).message).toMatch(/^Failed to .*Please/);
    return error as ProxyError;
  }
  return expect.fail('expected a ProxyError to be thrown');
}

const transcriptDelta = serverEventExamples['response.output_audio_transcript.delta'];
const sessionCreated = serverEventExamples['session.created'];
const responseCreate = clientEventExamples['response.create'];

describe('createMemoryTransport: connect', () => {
  it('starts idle, and connect() opens it with one "open" event', async () => {
    const { transport, log } = observed();
    expect(transport.state).toBe('idle');
    await transport.connect();
    expect(transport.state).toBe('open');
    expect(log).toStrictEqual(['open']);
  });

  it('rejects a second connect() with a not_open ProxyError, and stays open', async () => {
    const { transport, log } = await opened();
    const error = await transport.connect().then(
      () => expect.fail('expected connect() to reject'),
      (reason: unknown) => reason,
    );
    expect(ProxyError.isInstance(error)).toBe(true);
    expect((error as ProxyError).code).toBe('not_open');
    expect((error as ProxyError).message).toMatch(/^Failed to connect: .*Please/);
    expect(transport.state).toBe('open');
    expect(log).toStrictEqual(['open']);
  });

  it('rejects connect() after close', async () => {
    const { transport, log } = observed();
    await transport.close();
    await expect(transport.connect()).rejects.toMatchObject({ code: 'not_open' });
    expect(transport.state).toBe('closed');
    expect(log).not.toContain('open');
  });
});

describe('createMemoryTransport: deliver', () => {
  it('decodes a GA server event and emits it with its wire type and the GA dialect', async () => {
    const { transport, events, errors } = await opened();
    transport.deliver(JSON.stringify(sessionCreated));
    expect(events).toStrictEqual([[sessionCreated, { wireType: 'session.created', dialect: 'ga' }]]);
    expect(errors).toStrictEqual([]);
  });

  it('accepts an object and delivers it as its JSON text', async () => {
    const { transport, events, frames } = await opened();
    transport.deliver(transcriptDelta);
    expect(frames).toStrictEqual([['in', JSON.stringify(transcriptDelta)]]);
    expect(events).toStrictEqual([[transcriptDelta, { wireType: transcriptDelta.type, dialect: 'ga' }]]);
  });

  it('upgrades a beta-era name to its GA name, saying so in the meta', async () => {
    const betaName = 'response.audio_transcript.delta';
    expect(betaEventNames.get(betaName)).toBe('response.output_audio_transcript.delta');
    const { transport, events, errors } = await opened();
    transport.deliver({ ...transcriptDelta, type: betaName });
    expect(errors).toStrictEqual([]);
    expect(events).toHaveLength(1);
    const [event, meta] = events[0]!;
    expect(event).toStrictEqual({ ...transcriptDelta, type: 'response.output_audio_transcript.delta' });
    expect(meta).toStrictEqual({ wireType: betaName, dialect: 'beta' });
  });

  it('passes the frame text as received to "frame" listeners before the event', async () => {
    const { transport, log, frames } = await opened();
    const text = `  ${JSON.stringify(sessionCreated)}\n`;
    transport.deliver(text);
    expect(frames).toStrictEqual([['in', text]]);
    expect(log).toStrictEqual(['open', 'frame in', 'event session.created']);
  });

  it('reports a frame that is not JSON as an "error" event, and stays open', async () => {
    const { transport, events, errors, frames, closes } = await opened();
    transport.deliver('{"type": "session.created", ');
    expect(frames).toStrictEqual([['in', '{"type": "session.created", ']]);
    expect(events).toStrictEqual([]);
    expect(errors).toHaveLength(1);
    expect(ProxyError.isInstance(errors[0])).toBe(true);
    expect(errors[0]!.code).toBe('invalid_json');
    expect(errors[0]!.message).toMatch(/^Failed to .*Please/);
    expect(transport.state).toBe('open');
    expect(closes).toStrictEqual([]);
    // The next good frame still comes through.
    transport.deliver(sessionCreated);
    expect(events.map(([event]) => event.type)).toStrictEqual(['session.created']);
  });

  it('reports a server event that fails its schema as invalid_event, with the codec error as data', async () => {
    const { transport, events, errors } = await opened();
    transport.deliver({ ...transcriptDelta, delta: 42 });
    expect(events).toStrictEqual([]);
    expect(errors.map((error) => error.code)).toStrictEqual(['invalid_event']);
    expect(errors[0]!.data).toMatchObject({ code: 'invalid_event', path: '/delta', eventType: 'response.output_audio_transcript.delta' });
  });

  it('delivers an event type it does not know as proxy.unknown_event, not as an error', async () => {
    const { transport, events, errors } = await opened();
    const raw = { type: 'response.future_thing', event_id: 'event_1', x: 1 };
    transport.deliver(raw);
    expect(errors).toStrictEqual([]);
    expect(events).toStrictEqual([[{ type: 'proxy.unknown_event', raw }, { wireType: 'response.future_thing', dialect: 'ga' }]]);
  });

  it('throws a not_open ProxyError when delivering before connect, and emits nothing', () => {
    const { transport, log } = observed();
    expectProxyError(() => transport.deliver(sessionCreated), 'not_open');
    expect(log).toStrictEqual([]);
  });

  it('throws a not_open ProxyError when delivering after a close from either side', async () => {
    const a = await opened();
    await a.transport.close();
    expectProxyError(() => a.transport.deliver(sessionCreated), 'not_open');
    const b = await opened();
    b.transport.serverClose();
    expectProxyError(() => b.transport.deliver(sessionCreated), 'not_open');
    expect([...a.log, ...b.log].filter((entry) => entry.startsWith('frame') || entry.startsWith('event'))).toStrictEqual([]);
  });
});

describe('createMemoryTransport: send', () => {
  it('sends a valid client event as JSON text: in `sent`, to "frame" listeners and to onSend listeners', async () => {
    const { transport, frames } = await opened();
    const onSend = vi.fn();
    transport.onSend(onSend);
    expect(transport.send(responseCreate)).toStrictEqual({ ok: true });
    expect(transport.sent).toHaveLength(1);
    expect(JSON.parse(transport.sent[0]!)).toStrictEqual(responseCreate);
    expect(frames).toStrictEqual([['out', transport.sent[0]]]);
    expect(onSend).toHaveBeenCalledTimes(1);
    expect(onSend).toHaveBeenCalledWith(transport.sent[0], responseCreate);
  });

  it('keeps the sent events in order', async () => {
    const { transport } = await opened();
    const events: ClientEvent[] = [{ type: 'response.create' }, { type: 'input_audio_buffer.clear' }, { type: 'response.cancel' }];
    for (const event of events) expect(transport.send(event).ok).toBe(true);
    expect(transport.sent.map((text) => JSON.parse(text).type)).toStrictEqual(['response.create', 'input_audio_buffer.clear', 'response.cancel']);
  });

  it('refuses an invalid client event: not sent, not framed, not passed to onSend', async () => {
    const { transport, frames } = await opened();
    const onSend = vi.fn();
    transport.onSend(onSend);
    const invalid = [
      { type: 'response.create', response: { unknown_field: true } },
      { type: 'response.creat' },
      { type: 'conversation.item.create', item: { type: 'function_call_output', call_id: 42, output: 'x' } },
      { no: 'type' },
    ] as unknown as ClientEvent[];
    for (const event of invalid) {
      const result = transport.send(event);
      if (result.ok) expect.fail(`expected ${JSON.stringify(event)} to be refused`);
      expect(ProxyError.isInstance(result.error)).toBe(true);
      expect(['invalid_event', 'unknown_event', 'missing_type']).toContain(result.error.code);
      expect(result.error.message).toMatch(/^Failed to .*Please/);
    }
    expect(transport.sent).toStrictEqual([]);
    expect(frames).toStrictEqual([]);
    expect(onSend).not.toHaveBeenCalled();
    expect(transport.state).toBe('open');
  });

  it('refuses to send before connect and after close, with not_open', async () => {
    const { transport } = observed();
    const before = transport.send(responseCreate);
    expect(before.ok).toBe(false);
    expect(!before.ok && before.error.code).toBe('not_open');
    await transport.connect();
    transport.serverClose();
    const after = transport.send(responseCreate);
    expect(!after.ok && after.error.code).toBe('not_open');
    expect(transport.sent).toStrictEqual([]);
  });

  it('stops calling an onSend listener once it is removed', async () => {
    const { transport } = await opened();
    const kept = vi.fn();
    const removed = vi.fn();
    transport.onSend(kept);
    const off = transport.onSend(removed);
    off();
    transport.send(responseCreate);
    expect(kept).toHaveBeenCalledTimes(1);
    expect(removed).not.toHaveBeenCalled();
  });
});

describe('createMemoryTransport: close', () => {
  it('serverClose emits one close with the code and reason, and a second close is a no-op', async () => {
    const { transport, closes } = await opened();
    transport.serverClose(4000, 'session expired');
    expect(transport.state).toBe('closed');
    expect(closes).toStrictEqual([{ code: 4000, reason: 'session expired', wasClean: true }]);
    transport.serverClose(1011, 'again');
    await transport.close(1000, 'client too');
    expect(closes).toHaveLength(1);
  });

  it('close() resolves with the close info and emits close once', async () => {
    const { transport, closes } = await opened();
    const info = await transport.close(1001, 'going away');
    expect(info).toStrictEqual({ code: 1001, reason: 'going away', wasClean: true });
    expect(closes).toStrictEqual([info]);
    expect(transport.state).toBe('closed');
  });

  it('close() defaults to 1000 and an empty reason', async () => {
    const { transport } = await opened();
    expect(await transport.close()).toStrictEqual({ code: 1000, reason: '', wasClean: true });
  });

  it('close() after the server closed resolves with how the server closed it', async () => {
    const { transport } = await opened();
    transport.serverClose(4001, 'kicked');
    expect(await transport.close(1000, 'mine')).toStrictEqual({ code: 4001, reason: 'kicked', wasClean: true });
  });

  it('two close() calls resolve with the same, first info', async () => {
    const { transport, closes } = await opened();
    const [first, second] = await Promise.all([transport.close(1000, 'a'), transport.close(3000, 'b')]);
    expect(first).toStrictEqual({ code: 1000, reason: 'a', wasClean: true });
    expect(second).toStrictEqual(first);
    expect(closes).toHaveLength(1);
  });
});

describe('createMemoryTransport: listeners', () => {
  it('reports a listener that throws as a listener_error and still calls the other listeners', async () => {
    const { transport, events, errors } = await opened();
    transport.on('event', () => {
      throw new Error('boom');
    });
    transport.deliver(sessionCreated);
    expect(events).toHaveLength(1);
    expect(errors.map((error) => error.code)).toStrictEqual(['listener_error']);
    expect(errors[0]!.message).toContain('boom');
  });

  it('stops calling a listener once its off function is called', async () => {
    const transport = createMemoryTransport();
    const listener = vi.fn();
    const off = transport.on('frame', listener);
    await transport.connect();
    transport.deliver(sessionCreated);
    off();
    transport.deliver(sessionCreated);
    expect(listener).toHaveBeenCalledTimes(1);
  });
});
