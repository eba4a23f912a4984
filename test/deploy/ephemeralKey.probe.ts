/**
 * The ephemeral-key deployment, end to end, in a loopback-only network namespace (run by
 * `ephemeralKey.test.ts`): the browser asks serve for a key (`POST /session`: an `ek_` minted by the
 * simulator with serve's standard key), connects over WebRTC straight to the simulator's
 * `/v1/realtime/calls` with it, and hands serve the call id (`POST /sessions/:id/attach`); serve's
 * sideband then runs the `echo` call on real server-everything. Once the simulator's clock passes
 * the key's `expires_at`, a second call with it is refused (the first goes on). Prints one JSON line.
 */
import { createWebRtcTransport } from '../../src/protocol/webrtcTransport.js';
import { followEvents, payload } from '../support/serveHarness.js';
import { ACCESS_TOKEN, API_KEY, browserReport, callReport, MCP_TOKEN, operatorLeaks, startDeployStack, toolTurn, watchBrowser } from './deployStack.js';
import { createWrtcPeerConnection, finishProbe, recordingFetch, startFakeMicrophone, startFakeSpeaker } from './wrtcBrowser.js';

const STEP_MS = 10_000;
const since = (start: number) => Math.round(performance.now() - start);
const result: Record<string, unknown> = {};
const timings: Record<string, number> = {};
const cleanups: Array<() => unknown> = [];

async function main(): Promise<void> {
  const start = performance.now();
  // The simulator's clock for ek_ expiry: moved forward by the test, not slept through.
  let clockOffsetMs = 0;
  const stack = await startDeployStack({ simulator: { clientSecretClock: () => Date.now() + clockOffsetMs }, serve: { clientSecretTtlSeconds: 60 } });
  cleanups.push(() => stack.close());
  const { sim, serve } = stack;
  timings.setupMs = since(start);
  const browserFetch = recordingFetch();
  const asBrowser = (path: string, body: unknown) =>
    browserFetch.fetch(`${serve.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

  // 1. The browser's key, from serve.
  const minted = await asBrowser('/session', {});
  result.sessionStatus = minted.status;
  const { clientSecret, expiresAt, sessionId } = (await minted.json()) as { clientSecret: string; expiresAt: number; sessionId: string };
  result.clientSecretShape = /^ek_[A-Za-z0-9]{32}$/.test(clientSecret);
  result.expiresInSeconds = expiresAt - Math.floor(Date.now() / 1000);

  // 2. The browser connects to the simulator with it, directly.
  const microphone = startFakeMicrophone();
  cleanups.push(() => microphone.stop());
  const speaker = startFakeSpeaker('before the tool call');
  cleanups.push(() => speaker.stop());
  const transport = createWebRtcTransport({
    clientSecret,
    baseUrl: `${sim.httpUrl}/v1`,
    fetch: browserFetch.fetch,
    createPeerConnection: createWrtcPeerConnection,
    microphone: microphone.stream,
    audioElement: null,
    onRemoteTrack: (track) => speaker.attach(track),
  });
  cleanups.push(() => transport.close());
  const view = watchBrowser(transport, speaker, STEP_MS);
  // connect() resolves when the browser's data channel opens; the simulator sends session.created
  // when its end opens, which may come a little later: read the call's tools once it arrived.
  const sessionCreated = view.next('session.created', (event) => event.type === 'session.created');
  const connectStart = performance.now();
  await transport.connect();
  await sessionCreated;
  timings.connectMs = since(connectStart);
  const callId = transport.callId;
  if (callId === undefined) throw new Error('the WebRTC transport read no call id from the Location header');
  const callSession = sim.sessions.find((session) => session.callId === callId);
  const created = callSession?.serverEvents.find((event) => event.type === 'session.created') as { session?: { tools?: Array<{ name: string }> } } | undefined;
  result.callStartedWithTools = created?.session?.tools?.map((tool) => tool.name);

  // 3. serve attaches its sideband to the browser's call.
  const ended = followEvents(serve.url, sessionId, (event) => event.event === 'session.ended', { token: ACCESS_TOKEN, signal: AbortSignal.timeout(STEP_MS * 3) });
  const attached = await asBrowser(`/sessions/${sessionId}/attach`, { callId });
  result.attach = { status: attached.status, body: await attached.json() };
  const simCall = sim.calls.find((call) => call.id === callId);
  result.sidebandsAttached = simCall?.sidebands;

  // 4. The user speaks; the tool runs on the server; the browser hears the answer.
  const turn = await toolTurn(view, microphone, speaker, 2_400);
  timings.speechToReplyHeardMs = turn.toReplyHeardMs;
  result.script = await sim.done;
  Object.assign(result, callReport(sim, callId));

  // 5. The key expires: a second call with it is refused; the first one goes on.
  clockOffsetMs = (expiresAt + 1) * 1000 - Date.now();
  const late = createWebRtcTransport({
    clientSecret,
    baseUrl: `${sim.httpUrl}/v1`,
    fetch: browserFetch.fetch,
    createPeerConnection: createWrtcPeerConnection,
    microphone: null,
    audioElement: null,
  });
  cleanups.push(() => late.close());
  const refusal = await late.connect().then(
    () => undefined,
    (error: { code?: string; message?: string; data?: unknown }) => ({ code: error.code, message: error.message, data: error.data }),
  );
  result.expiredRefusal = refusal;
  result.expiredAnswerStatus = browserFetch.answers.at(-1)?.status;
  result.callsAfterExpiredAttempt = sim.calls.length;
  result.firstCallStatusAfterExpiry = sim.calls.find((call) => call.id === callId)?.status;

  // 6. The browser hangs up: serve's session ends.
  await transport.close();
  const sessionEvents = await ended;
  result.sessionEnded = payload(sessionEvents.at(-1)!).data;
  result.toolCallEnded = sessionEvents.filter((event) => event.event === 'toolCall.ended').map((event) => payload(event).data.code);
  result.serveSessionsAfterHangup = serve.app.sessions.size;
  result.speakerHeard = speaker.heard;
  Object.assign(result, browserReport(view, browserFetch.answers, [API_KEY, MCP_TOKEN]));
  result.answersSeen = browserFetch.answers.map((answer) => `${answer.status} ${new URL(answer.url).pathname}`);
  result.errors = view.errors;
  // The operator's view holds no key either, not even the browser's ek_ (it travels to the browser only).
  result.operatorLeaks = operatorLeaks(stack.serveLog, sessionEvents, [API_KEY, MCP_TOKEN, clientSecret]);
  result.operatorScanned = { logLines: stack.serveLog.length, events: sessionEvents.length };
  timings.totalMs = since(start);
  result.timings = timings;
}

await finishProbe(main, result, cleanups);
