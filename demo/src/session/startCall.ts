/**
 * One WebRTC call, the way serve wants it: a session (serve mints the client secret and keeps the
 * tools), the page's peer connection to the calls URL with that secret, serve attached to the
 * call's sideband, and serve's event stream into the feed. Whatever fails on the way undoes what
 * was opened.
 */
import { createWebRtcTransport, type ClientEvent, type WebRtcTransport } from 'realtime-mcp-proxy';
import { baseUrlOfCallsUrl } from '../api/callsUrl';
import type { McpServerRequest, ServeClient } from '../api/serveClient';
import type { FeedInput } from '../model/feed';

export interface StartCallOptions {
  client: ServeClient;
  /** Where the session's events go (the page's feed). */
  feed: { push(event: FeedInput): unknown };
  mcpServers: McpServerRequest[];
  tools?: string[];
  openAiKey?: string;
  pushToTalk: boolean;
  /** Offline (the simulator): the offer waits for ICE gathering to complete (non-trickle peer). */
  offline?: boolean;
  /** The microphone, opened by the page (so the level meter can read it); the page stops it. */
  microphone: MediaStream;
  onRemoteStream: (stream: MediaStream) => void;
  /** The call or serve's stream ended (not called after hangUp). */
  onEnded: (why: string | undefined) => void;
  /** A failure after the call is up (the event stream gave up, the transport reported an error). */
  onError: (error: unknown) => void;
  /** Called with the session id as soon as serve made it (before the call is up). */
  onSession?: (sessionId: string) => void;
  /** Default the library's createWebRtcTransport (tests give a fake). */
  createTransport?: typeof createWebRtcTransport;
}

export interface Call {
  sessionId: string;
  transport: WebRtcTransport;
  /** Sends a client event over the data channel and logs it to the feed; returns the failure, if any. */
  send(event: ClientEvent): Error | undefined;
  hangUp(): Promise<void>;
}

export async function startCall(options: StartCallOptions): Promise<Call> {
  const { client, feed } = options;
  const session = await client.createSession({ mcpServers: options.mcpServers, ...(options.tools ? { tools: options.tools } : {}), ...(options.openAiKey ? { openAiKey: options.openAiKey } : {}) });
  options.onSession?.(session.sessionId);
  const following = new AbortController();
  let hungUp = false;
  let endedOnce = false;
  let transport: WebRtcTransport | undefined;
  /** The call or serve's session ended by itself: whatever is still open closes too (a call without its tool executor is no use). */
  const ended = (why: string | undefined) => {
    if (hungUp || endedOnce) return;
    endedOnce = true;
    following.abort();
    void transport?.close().catch(() => undefined);
    options.onEnded(why);
  };
  // Follow from the start: the session's first events (created, attached) belong in the console too.
  void client
    .followEvents(session.sessionId, (event) => feed.push({ type: event.type, at: event.at, data: event.data, origin: 'serve' }), following.signal)
    .then(() => ended(undefined))
    .catch((error: unknown) => {
      if (hungUp) return;
      options.onError(error);
    });

  const baseUrl = baseUrlOfCallsUrl(session.callsUrl);
  const opened = (options.createTransport ?? createWebRtcTransport)({
    clientSecret: session.clientSecret,
    ...(baseUrl ? { baseUrl } : {}),
    microphone: options.microphone as unknown as Parameters<typeof createWebRtcTransport>[0]['microphone'],
    audioElement: null,
    pushToTalk: options.pushToTalk,
    // The simulator's peer takes only the candidates in the offer; OpenAI finds the browser itself.
    ...(options.offline ? { iceGatheringTimeoutMs: 5_000 } : {}),
    onRemoteTrack: (track, streams) => {
      const stream = (streams[0] as unknown as MediaStream | undefined) ?? (typeof MediaStream === 'function' ? new MediaStream([track as unknown as MediaStreamTrack]) : undefined);
      if (stream) options.onRemoteStream(stream);
    },
  });
  transport = opened;
  opened.on('error', (error) => {
    if (!hungUp) options.onError(error);
  });
  opened.on('close', (info) => ended(info.reason || undefined));

  const undo = async () => {
    hungUp = true;
    following.abort();
    await opened.close().catch(() => undefined);
  };
  try {
    await opened.connect();
    const callId = opened.callId;
    if (callId === undefined) throw new Error('Failed to attach serve to the call: the calls endpoint did not say the call id (no Location header). Please check that the page posts its offer where serve said (callsUrl).');
    await client.attach(session.sessionId, callId);
  } catch (error) {
    await undo();
    throw error;
  }

  return {
    sessionId: session.sessionId,
    transport: opened,
    send(event) {
      const result = opened.send(event);
      if (!result.ok) return result.error;
      feed.push({ type: 'realtime.sent', data: event, origin: 'page' });
      return undefined;
    },
    hangUp: undo,
  };
}
