import { describe, expect, it } from 'vitest';
import type { createWebRtcTransport, WebRtcTransport } from 'realtime-mcp-proxy';
import type { ServeClient } from '../api/serveClient';
import type { ServeEvent } from '../api/serveTypes';
import { createFeed } from '../model/feed';
import { startCall } from './startCall';

interface FakeTransport {
  options: Parameters<typeof createWebRtcTransport>[0];
  sent: unknown[];
  closed: number;
  fireClose(reason: string): void;
}

function fakes(overrides: { attach?: () => Promise<void>; connect?: () => Promise<void>; callId?: string | undefined; events?: ServeEvent[] } = {}) {
  const calls: string[] = [];
  const transports: FakeTransport[] = [];
  let followSignal: AbortSignal | undefined;
  let endStream!: () => void;
  const client = {
    async createSession(request: unknown) {
      calls.push(`createSession ${JSON.stringify(request)}`);
      return { clientSecret: 'ek_test123', expiresAt: 1, sessionId: 'sess_1', callsUrl: 'http://127.0.0.1:9/v1/realtime/calls' };
    },
    async attach(sessionId: string, callId: string) {
      calls.push(`attach ${sessionId} ${callId}`);
      await overrides.attach?.();
    },
    followEvents(sessionId: string, onEvent: (event: ServeEvent) => void, signal: AbortSignal) {
      calls.push(`follow ${sessionId}`);
      followSignal = signal;
      for (const event of overrides.events ?? []) onEvent(event);
      return new Promise<void>((resolve) => {
        endStream = resolve;
        signal.addEventListener('abort', () => resolve());
      });
    },
  } as unknown as ServeClient;
  const createTransport = ((options: Parameters<typeof createWebRtcTransport>[0]) => {
    const closeListeners: Array<(info: { code: number; reason: string; wasClean: boolean }) => void> = [];
    const fake: FakeTransport = { options, sent: [], closed: 0, fireClose: (reason) => closeListeners.forEach((listener) => listener({ code: 1000, reason, wasClean: true })) };
    transports.push(fake);
    return {
      callId: 'callId' in overrides ? overrides.callId : 'rtc_abc',
      connect: overrides.connect ?? (async () => undefined),
      close: async () => {
        fake.closed += 1;
        return { code: 1000, reason: '', wasClean: true };
      },
      send: (event: unknown) => {
        fake.sent.push(event);
        return { ok: true };
      },
      on: (name: string, listener: never) => {
        if (name === 'close') closeListeners.push(listener);
        return () => undefined;
      },
      mute: () => undefined,
      setTalking: () => ({ ok: true }),
    } as unknown as WebRtcTransport;
  }) as unknown as typeof createWebRtcTransport;
  return { calls, transports, client, createTransport, followSignal: () => followSignal, endStream: () => endStream() };
}

const microphone = {} as MediaStream;

describe('startCall', () => {
  it('makes the session, calls the calls URL with the client secret, attaches serve, follows its events into the feed, and logs what the page sends', async () => {
    const f = fakes({ events: [{ id: 1, type: 'session.created', at: 5, data: { sessionId: 'sess_1' } }] });
    const feed = createFeed();
    const ended: Array<string | undefined> = [];
    const call = await startCall({ client: f.client, feed, mcpServers: [{ label: 'a', url: 'http://127.0.0.1:1/mcp' }], tools: ['a/echo'], pushToTalk: true, offline: true, microphone, onRemoteStream: () => undefined, onEnded: (why) => void ended.push(why), onError: () => undefined, createTransport: f.createTransport });
    expect(f.calls).toEqual(['createSession {"mcpServers":[{"label":"a","url":"http://127.0.0.1:1/mcp"}],"tools":["a/echo"]}', 'follow sess_1', 'attach sess_1 rtc_abc']);
    const options = f.transports[0]!.options as unknown as Record<string, unknown>;
    expect(options).toMatchObject({ clientSecret: 'ek_test123', baseUrl: 'http://127.0.0.1:9/v1', pushToTalk: true, audioElement: null, iceGatheringTimeoutMs: 5000 });
    expect(options.microphone).toBe(microphone);

    expect(call.send({ type: 'response.create' })).toBeUndefined();
    expect(feed.getSnapshot().map((event) => [event.type, event.origin])).toEqual([
      ['session.created', 'serve'],
      ['realtime.sent', 'page'],
    ]);

    // serve's stream ends (the session ended): the call closes too, and the page hears it once.
    f.endStream();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(ended).toEqual([undefined]);
    expect(f.transports[0]!.closed).toBe(1);
    f.transports[0]!.fireClose('late');
    expect(ended).toEqual([undefined]);
  });

  it('undoes what it opened when attaching fails, and reports nothing as ended', async () => {
    const f = fakes({ attach: () => Promise.reject(new Error('Failed to attach: refused.')) });
    const ended: unknown[] = [];
    const errors: unknown[] = [];
    await expect(startCall({ client: f.client, feed: createFeed(), mcpServers: [], pushToTalk: false, microphone, onRemoteStream: () => undefined, onEnded: (why) => void ended.push(why), onError: (error) => void errors.push(error), createTransport: f.createTransport })).rejects.toThrow('Failed to attach: refused.');
    expect(f.transports[0]!.closed).toBe(1);
    expect(f.followSignal()?.aborted).toBe(true);
    expect(ended).toEqual([]);
    expect(errors).toEqual([]);
  });

  it('refuses a call whose id the calls endpoint did not give (serve could not attach)', async () => {
    const f = fakes({ callId: undefined });
    await expect(startCall({ client: f.client, feed: createFeed(), mcpServers: [], pushToTalk: false, microphone, onRemoteStream: () => undefined, onEnded: () => undefined, onError: () => undefined, createTransport: f.createTransport })).rejects.toThrow(/did not say the call id/);
    expect(f.calls).not.toContain('attach sess_1 rtc_abc');
    expect(f.transports[0]!.closed).toBe(1);
  });
});
