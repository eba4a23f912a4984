/**
 * The WebRTC transport against a fake RTCPeerConnection (test/support/fakeWebRtc.ts): events both
 * ways through the same codecs as the WebSocket, strict sends, the microphone (mute, push-to-talk),
 * the remote audio, every way a session ends, connect failures that leave nothing open, and the
 * proxy reaching `session.ready` over it. The SDP exchange over real HTTP is webrtcSignaling.test.ts.
 */
import { afterEach, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { ANSWER_SDP, FakePeerConnection, FakeStream, FakeTrack, fakePeerConnections, type FakePeerBehaviour } from '../../test/support/fakeWebRtc.js';
import { ProxyError } from '../errors.js';
import { createRealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import type { AudioElementLike, DataChannelLike, MediaStreamLike, PeerConnectionLike } from './peerConnectionLike.js';
import type { TransportCloseInfo } from './transport.js';
import { createWebRtcTransport, type WebRtcTransportOptions } from './webrtcTransport.js';

const exchangeSdp = async () => ({ sdp: ANSWER_SDP, callId: 'rtc_test1' });

function setup(options: Partial<WebRtcTransportOptions> = {}, behaviour: FakePeerBehaviour = {}) {
  const peers = fakePeerConnections(behaviour);
  const microphone = new FakeStream();
  const audioElement: AudioElementLike = { autoplay: false, srcObject: null };
  const transport = createWebRtcTransport({ exchangeSdp, createPeerConnection: peers.create, microphone: async () => microphone, audioElement, ...options } as WebRtcTransportOptions);
  const closes: TransportCloseInfo[] = [];
  const errors: ProxyError[] = [];
  transport.on('close', (info) => closes.push(info));
  transport.on('error', (error) => errors.push(error));
  return { transport, peers, microphone, track: microphone.tracks[0]!, audioElement, closes, errors, peer: () => peers.last, channel: () => peers.last.channel };
}

async function failure(promise: Promise<unknown>): Promise<ProxyError> {
  const error = await promise.then(
    () => undefined,
    (cause: unknown) => cause,
  );
  if (!ProxyError.isInstance(error)) throw new Error(`expected a ProxyError, got ${String(error)}`);
  return error;
}

/** Resolves at the next `close` of the transport. */
const nextClose = (transport: ReturnType<typeof setup>['transport']) => new Promise<TransportCloseInfo>((resolve) => transport.on('close', resolve));

afterEach(() => {
  vi.useRealTimers();
});

describe('the WebRTC API it uses', () => {
  it("is the browser's own: RTCPeerConnection, RTCDataChannel, MediaStream and <audio> fit without casts", () => {
    expectTypeOf<RTCPeerConnection>().toMatchTypeOf<PeerConnectionLike>();
    expectTypeOf<RTCDataChannel>().toMatchTypeOf<DataChannelLike>();
    expectTypeOf<MediaStream>().toMatchTypeOf<MediaStreamLike>();
    expectTypeOf<HTMLAudioElement>().toMatchTypeOf<AudioElementLike>();
  });
});

describe('opening', () => {
  it('opens an ordered oai-events channel and a sendrecv microphone track; open fires when the channel opens', async () => {
    const { transport, peer, track } = setup();
    const opened: string[] = [];
    transport.on('open', () => opened.push(transport.state));
    await transport.connect();
    expect(peer().channels.map((c) => [c.label, c.init])).toEqual([['oai-events', { ordered: true }]]);
    expect(peer().transceivers).toEqual([{ trackOrKind: track, direction: 'sendrecv' }]);
    expect(opened).toEqual(['open']);
    expect(transport.callId).toBe('rtc_test1');
    await transport.close();
  });

  it('with microphone: null, only receives (a recvonly audio transceiver) and opens no microphone', async () => {
    const { transport, peer } = setup({ microphone: null });
    await transport.connect();
    expect(peer().transceivers).toEqual([{ trackOrKind: 'audio', direction: 'recvonly' }]);
    await transport.close();
  });

  it('sends the offer when ICE gathering never completes, after the bound, with the candidates so far', async () => {
    const offers: string[] = [];
    const { transport } = setup({ exchangeSdp: async (offer) => (offers.push(offer), { sdp: ANSWER_SDP }), iceGatheringTimeoutMs: 20 }, { gatheringHangs: true });
    await transport.connect();
    expect(offers).toHaveLength(1);
    expect(offers[0]).toMatch(/^v=0\r\n/);
    expect(transport.callId).toBeUndefined();
    await transport.close();
  });

  it('connects once: a second connect() is refused', async () => {
    const { transport } = setup();
    await transport.connect();
    expect((await failure(transport.connect())).code).toBe('not_open');
    await transport.close();
  });
});

describe('events', () => {
  it('server frames arrive as decoded events (beta names upgraded) with frame listeners seeing the text; a garbled one is an error and the channel stays', async () => {
    const { transport, channel, errors } = setup();
    const events: Array<[string, string]> = [];
    const frames: string[] = [];
    transport.on('event', (event, meta) => events.push([event.type, meta.wireType]));
    transport.on('frame', (direction, text) => frames.push(`${direction} ${text}`));
    await transport.connect();
    channel().remoteSend({ type: 'session.created', event_id: 'e1', session: { type: 'realtime' } });
    channel().remoteSend(
      new TextEncoder().encode(JSON.stringify({ type: 'response.audio_transcript.delta', event_id: 'e2', response_id: 'r', item_id: 'i', output_index: 0, content_index: 0, delta: 'hi' })),
    );
    channel().remoteSend('{not json');
    expect(events).toEqual([
      ['session.created', 'session.created'],
      ['response.output_audio_transcript.delta', 'response.audio_transcript.delta'],
    ]);
    expect(frames[0]).toBe('in {"type":"session.created","event_id":"e1","session":{"type":"realtime"}}');
    expect(frames[2]).toBe('in {not json');
    expect(errors.map((error) => error.code)).toEqual(['invalid_json']);
    expect(transport.state).toBe('open');
    await transport.close();
  });

  it('send encodes strictly and sends on the channel; frame listeners see it; output_audio_buffer.clear is allowed', async () => {
    const { transport, channel } = setup();
    const frames: string[] = [];
    transport.on('frame', (direction, text) => frames.push(`${direction} ${text}`));
    await transport.connect();
    expect(transport.send({ type: 'response.cancel' })).toEqual({ ok: true });
    expect(transport.send({ type: 'output_audio_buffer.clear' })).toEqual({ ok: true });
    expect(channel().sent).toEqual(['{"type":"response.cancel"}', '{"type":"output_audio_buffer.clear"}']);
    expect(frames).toEqual(['out {"type":"response.cancel"}', 'out {"type":"output_audio_buffer.clear"}']);
    await transport.close();
  });

  it('refuses what must not be sent, and sends nothing: an invalid event, an unknown type, audio in events, too large a message, before open and after close', async () => {
    const { transport, channel } = setup({}, { maxMessageSize: 1_000 });
    const frames: string[] = [];
    transport.on('frame', (direction, text) => frames.push(`${direction} ${text}`));
    expect(transport.send({ type: 'response.cancel' })).toMatchObject({ ok: false, error: { code: 'not_open' } });
    await transport.connect();
    const invalid = transport.send({ type: 'session.update', session: { type: 'realtime', bogus: 1 } } as never);
    expect(invalid).toMatchObject({ ok: false, error: { code: 'invalid_event' } });
    expect(transport.send({ type: 'session.teleport' } as never)).toMatchObject({ ok: false, error: { code: 'unknown_event' } });
    const append = transport.send({ type: 'input_audio_buffer.append', audio: 'AAAA' });
    expect(append).toMatchObject({ ok: false, error: { code: 'not_supported' } });
    expect(!append.ok && append.error.message).toMatch(/^Failed to send "input_audio_buffer\.append": over WebRTC the microphone travels on the media track, not in events\. Please /);
    const large = transport.send({ type: 'session.update', session: { type: 'realtime', instructions: 'é'.repeat(600) } });
    expect(!large.ok && large.error.message).toMatch(/^Failed to send "session\.update": 1\d{3} bytes exceed the data channel's limit of 1000 bytes per message\. Please /);
    channel().throwOnSend = new Error('InvalidStateError: closing');
    expect(transport.send({ type: 'response.cancel' })).toMatchObject({ ok: false, error: { code: 'socket_error' } });
    expect(channel().sent).toEqual([]);
    expect(frames).toEqual([]); // a recorder never holds a frame that did not leave
    await transport.close();
    expect(transport.send({ type: 'response.cancel' })).toMatchObject({ ok: false, error: { code: 'not_open' } });
  });
});

describe('the microphone', () => {
  it('mute(on) disables the track and mute(off) enables it again; the session stays up', async () => {
    const { transport, track, channel } = setup();
    await transport.connect();
    transport.mute(true);
    expect([track.enabled, transport.muted]).toEqual([false, true]);
    transport.mute(false);
    expect([track.enabled, transport.muted]).toEqual([true, false]);
    expect(channel().sent).toEqual([]);
    await transport.close();
  });

  it('push-to-talk: the track is live only while talking; with server VAD the transport sends nothing', async () => {
    const { transport, track, channel } = setup({ pushToTalk: true });
    await transport.connect();
    expect(track.enabled).toBe(false);
    expect(transport.setTalking(true)).toEqual({ ok: true });
    expect(track.enabled).toBe(true);
    transport.mute(true);
    expect(track.enabled).toBe(false);
    transport.mute(false);
    transport.setTalking(false);
    expect(track.enabled).toBe(false);
    expect(channel().sent).toEqual([]);
    await transport.close();
  });

  it('push-to-talk with turn detection off: press clears the buffer, release commits it, a repeat does nothing, and the response is never asked for here', async () => {
    const { transport, channel } = setup({ pushToTalk: true });
    await transport.connect();
    channel().remoteSend({ type: 'session.updated', session: { type: 'realtime', audio: { input: { turn_detection: null } } } });
    transport.setTalking(true);
    transport.setTalking(true); // key auto-repeat
    transport.setTalking(false);
    transport.setTalking(false);
    expect(
      channel()
        .sentEvents()
        .map((event) => event.type),
    ).toEqual(['input_audio_buffer.clear', 'input_audio_buffer.commit']);
    // Turn detection back on: the server commits by itself.
    channel().remoteSend({ type: 'session.updated', session: { type: 'realtime', audio: { input: { turn_detection: { type: 'server_vad' } } } } });
    transport.setTalking(true);
    transport.setTalking(false);
    expect(channel().sent).toHaveLength(2);
    await transport.close();
  });

  it('setTalking without pushToTalk is refused and changes nothing', async () => {
    const { transport, track } = setup();
    await transport.connect();
    expect(transport.setTalking(false)).toMatchObject({ ok: false, error: { code: 'invalid_options' } });
    expect(track.enabled).toBe(true);
    await transport.close();
  });
});

describe('the remote audio', () => {
  it('plays the remote stream in the audio element (autoplay), exposes it, and tells onRemoteTrack; a throwing callback is an error, not a broken session', async () => {
    const seen: unknown[] = [];
    const { transport, peer, audioElement, errors } = setup({
      onRemoteTrack: (track, streams) => {
        seen.push([track, streams]);
        throw new Error('host bug');
      },
    });
    await transport.connect();
    const remote = new FakeStream([new FakeTrack()]);
    peer().remoteTrack({ track: remote.tracks[0]!, streams: [remote] });
    expect(audioElement).toEqual({ autoplay: true, srcObject: remote });
    expect(transport.remoteStream).toBe(remote);
    expect(seen).toEqual([[remote.tracks[0], [remote]]]);
    expect(errors.map((error) => [error.code, error.message])).toEqual([['listener_error', 'Failed to run onRemoteTrack: Error: host bug. Please fix the callback; the session goes on.']]);
    expect(transport.state).toBe('open');
    await transport.close();
    expect(audioElement.srcObject).toBeNull();
  });
});

describe('the end of a session', () => {
  it('close(): the channel and the peer connection close, the microphone it opened stops; close fires once with the host code', async () => {
    const { transport, peer, channel, track, closes } = setup();
    await transport.connect();
    const info = await transport.close(1000, 'user left');
    expect(info).toEqual({ code: 1000, reason: 'user left', wasClean: true });
    expect(closes).toEqual([info]);
    expect(channel().readyState).not.toBe('open');
    expect(peer().closed).toBe(true);
    expect(track.readyState).toBe('ended');
    expect(await transport.close()).toEqual(info);
    expect(closes).toHaveLength(1);
  });

  it("a microphone stream the host passed in is not stopped: it is the host's", async () => {
    const hostStream = new FakeStream();
    const { transport } = setup({ microphone: hostStream });
    await transport.connect();
    await transport.close();
    expect(hostStream.tracks[0]!.readyState).toBe('live');
  });

  it('the server closes the data channel: close (1000), everything released', async () => {
    const { transport, channel, peer, track } = setup();
    await transport.connect();
    const closed = nextClose(transport);
    channel().remoteClose();
    expect(await closed).toEqual({ code: 1000, reason: 'the data channel closed', wasClean: true });
    expect(transport.state).toBe('closed');
    expect(peer().closed).toBe(true);
    expect(track.readyState).toBe('ended');
  });

  it('the peer connection fails: close (1006) with the reason', async () => {
    const { transport, peer, closes } = setup();
    await transport.connect();
    peer().setConnectionState('failed');
    expect(closes).toEqual([{ code: 1006, reason: 'the peer connection failed (ICE found no working path)', wasClean: false }]);
    expect(peer().closed).toBe(true);
  });

  it('disconnected ends the session after the grace period, unless it reconnects first', async () => {
    const { transport, peer, closes } = setup({ disconnectedGraceMs: 5_000 });
    await transport.connect();
    vi.useFakeTimers();
    peer().setConnectionState('disconnected');
    vi.advanceTimersByTime(4_000);
    peer().setConnectionState('connected');
    vi.advanceTimersByTime(10_000);
    expect(closes).toEqual([]);
    peer().setConnectionState('disconnected');
    vi.advanceTimersByTime(5_000);
    expect(closes).toEqual([{ code: 1006, reason: 'the peer connection was disconnected for 5000 ms', wasClean: false }]);
  });

  it('a data channel error while open is reported and the session goes on', async () => {
    const { transport, channel, errors } = setup();
    await transport.connect();
    channel().remoteError('SCTP failure');
    expect(errors.map((error) => error.message)).toEqual(['Failed to keep the WebRTC data channel: SCTP failure. Please check the network; the session cannot be resumed.']);
    await transport.close();
  });
});

describe('connect failures leave nothing open', () => {
  it('the microphone refused: connect_failed saying so, no peer connection made', async () => {
    const denied = Object.assign(new Error('Permission denied'), { name: 'NotAllowedError' });
    const { transport, peers, closes } = setup({ microphone: () => Promise.reject(denied) });
    const error = await failure(transport.connect());
    expect(error.code).toBe('connect_failed');
    expect(error.message).toBe(
      'Failed to open the WebRTC session: the microphone could not be opened (NotAllowedError: Permission denied). Please allow microphone access for this page (it must be served over https or from localhost), or pass microphone: null to only listen.',
    );
    expect(peers.made).toHaveLength(0);
    expect(closes).toEqual([]);
    expect(transport.state).toBe('closed');
  });

  it('close() while the microphone prompt is open: the microphone that arrives later is stopped at once', async () => {
    let grant!: (stream: MediaStreamLike) => void;
    const late = new FakeStream();
    const { transport, peers } = setup({ microphone: () => new Promise((resolve) => (grant = resolve)) });
    const connecting = failure(transport.connect());
    await transport.close();
    grant(late);
    expect((await connecting).code).toBe('not_open');
    await vi.waitFor(() => expect(late.tracks[0]!.readyState).toBe('ended'));
    expect(peers.made).toHaveLength(0);
  });

  it('ICE fails before the channel opens: connect_failed, the microphone stopped, the peer connection closed', async () => {
    const { transport, peers, track, closes } = setup({}, { autoOpen: false });
    const connecting = failure(transport.connect());
    await vi.waitFor(() => expect(peers.last?.remoteDescription?.type).toBe('answer'));
    peers.last.setConnectionState('failed');
    const error = await connecting;
    expect(error.message).toBe('Failed to open the WebRTC session: the peer connection failed (ICE found no working path). Please check the network: a firewall or VPN may block UDP.');
    expect(track.readyState).toBe('ended');
    expect(peers.last.closed).toBe(true);
    expect(closes).toEqual([{ code: 1006, reason: error.message, wasClean: false }]);
  });

  it('the channel never opens: connect() fails at the deadline', async () => {
    const { transport, peers, track } = setup({ connectTimeoutMs: 50 }, { autoOpen: false });
    const error = await failure(transport.connect());
    expect(error.message).toBe('Failed to open the WebRTC session: no session within 50 ms. Please check the network and the signaling server.');
    expect(track.readyState).toBe('ended');
    expect(peers.last.closed).toBe(true);
  });

  it('a peer connection factory that throws is a connect failure', async () => {
    const { transport, track } = setup({
      createPeerConnection: () => {
        throw new Error('no WebRTC here');
      },
    });
    expect((await failure(transport.connect())).message).toBe(
      'Failed to open the WebRTC session: the peer connection could not be created (Error: no WebRTC here). Please check createPeerConnection.',
    );
    expect(track.readyState).toBe('ended');
  });

  it('outside a browser with no factory or microphone given, says what to pass', async () => {
    let asked = 0;
    const noPeer = createWebRtcTransport({ exchangeSdp, microphone: async () => (asked++, new FakeStream()) });
    expect((await failure(noPeer.connect())).message).toMatch(/^Failed to open the WebRTC session: this runtime has no RTCPeerConnection\. Please pass createPeerConnection/);
    expect(asked).toBe(0); // refused before the user is asked for the microphone
    const noMicrophone = createWebRtcTransport({ exchangeSdp, createPeerConnection: () => new FakePeerConnection() });
    const error = await failure(noMicrophone.connect());
    expect(error.code).toBe('invalid_options');
    expect(error.message).toMatch(/^Failed to open the WebRTC session: this runtime has no navigator\.mediaDevices\.getUserMedia/);
  });

  it('a microphone stream with no audio track is refused', async () => {
    const { transport } = setup({ microphone: new FakeStream([]) });
    expect((await failure(transport.connect())).message).toMatch(/^Failed to open the WebRTC session: the microphone stream has no audio track\./);
  });
});

describe('the proxy over WebRTC', () => {
  it('reaches session.ready with the server scripted on the fake data channel', async () => {
    const peers = fakePeerConnections();
    const transport = createWebRtcTransport({ exchangeSdp, createPeerConnection: peers.create, microphone: null, audioElement: null });
    const proxy = createRealtimeMcpProxy({ transport, servers: [] });
    const ready = new Promise<{ tools: string[] }>((resolve) => proxy.on('session.ready', resolve));
    transport.on('open', () => {
      const channel = peers.last.channel;
      // The scripted server: session.created at once, session.updated for the proxy's session.update.
      channel.onSent((text) => {
        const event = JSON.parse(text) as { type: string; session?: unknown };
        if (event.type === 'session.update') channel.remoteSend({ type: 'session.updated', event_id: 'e2', session: { ...(event.session as object), type: 'realtime' } });
      });
      channel.remoteSend({ type: 'session.created', event_id: 'e1', session: { type: 'realtime', model: 'gpt-realtime' } });
    });
    await proxy.start();
    expect(await ready).toEqual({ tools: [] });
    expect(transport.callId).toBe('rtc_test1');
    await proxy.close();
    expect(transport.state).toBe('closed');
    expect(peers.last.closed).toBe(true);
  });
});
