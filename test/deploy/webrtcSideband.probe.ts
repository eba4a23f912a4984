/**
 * The browser + sideband deployment, end to end, in one process inside a loopback-only network
 * namespace (run by `webrtcSideband.test.ts`): the Realtime simulator (real HTTP, a real werift
 * peer), real server-everything behind a recording forwarder, `startServe` holding the OpenAI key
 * and an MCP token, and the browser (`createWebRtcTransport` on @roamhq/wrtc with a fake microphone
 * and speaker) signalling through serve's `POST /call`. The user speaks (real audio, heard by the
 * simulator's VAD), the model calls `echo`, serve runs it over the sideband, the browser hears the
 * answer, then hangs up. Prints one JSON line of what was seen.
 */
import { createWebRtcTransport } from '../../src/protocol/webrtcTransport.js';
import { followEvents, payload } from '../support/serveHarness.js';
import { ACCESS_TOKEN, API_KEY, browserReport, callReport, MCP_TOKEN, speak, startDeployStack, watchBrowser } from './deployStack.js';
import { createWrtcPeerConnection, recordingFetch, startFakeMicrophone, startFakeSpeaker } from './wrtcBrowser.js';

const STEP_MS = 10_000;
const since = (start: number) => Math.round(performance.now() - start);
const result: Record<string, unknown> = {};
const timings: Record<string, number> = {};
const cleanups: Array<() => unknown> = [];

async function main(): Promise<void> {
  const start = performance.now();
  const stack = await startDeployStack();
  cleanups.push(() => stack.close());
  const { sim, serve, forwarder } = stack;
  timings.setupMs = since(start);

  const microphone = startFakeMicrophone();
  cleanups.push(() => microphone.stop());
  const speaker = startFakeSpeaker('before the tool call');
  cleanups.push(() => speaker.stop());
  const browserFetch = recordingFetch();
  const transport = createWebRtcTransport({
    signalingUrl: `${serve.url}/call`,
    headers: { authorization: `Bearer ${ACCESS_TOKEN}` },
    fetch: browserFetch.fetch,
    createPeerConnection: createWrtcPeerConnection,
    microphone: microphone.stream,
    audioElement: null,
    onRemoteTrack: (track) => speaker.attach(track),
  });
  cleanups.push(() => transport.close());
  const view = watchBrowser(transport, speaker, STEP_MS);

  const connectStart = performance.now();
  await transport.connect();
  timings.connectMs = since(connectStart);
  const callAnswer = browserFetch.answers[0];
  const sessionId = callAnswer?.headers['x-session-id'];
  if (sessionId === undefined) throw new Error(`POST /call gave no X-Session-Id (status ${callAnswer?.status})`);
  result.callStatus = callAnswer!.status;
  result.callIdMatches = transport.callId !== undefined && sim.calls.some((call) => call.id === transport.callId);
  const ended = followEvents(serve.url, sessionId, (event) => event.event === 'session.ended', { token: ACCESS_TOKEN, signal: AbortSignal.timeout(STEP_MS * 3) });

  const speechStart = performance.now();
  await speak(microphone);
  await view.toolCalled;
  await view.outputSeen;
  timings.speechToToolOutputMs = since(speechStart);
  await view.replyPlayed;
  await speaker.untilLoud(2_400, STEP_MS);
  timings.speechToReplyHeardMs = since(speechStart);
  result.script = await sim.done;
  result.microphoneFrames = { ...microphone.frames };
  Object.assign(result, callReport(sim, transport.callId));

  // The browser hangs up: the server's session ends and its MCP session is released.
  const hangupStart = performance.now();
  await transport.close();
  const sessionEvents = await ended;
  timings.hangupToSessionEndedMs = since(hangupStart);
  const endedEvent = sessionEvents.find((event) => event.event === 'session.ended');
  result.sessionEnded = endedEvent ? payload(endedEvent).data : undefined;
  result.toolCallEnded = sessionEvents.filter((event) => event.event === 'toolCall.ended').map((event) => payload(event).data.code);
  const released = await Promise.race([forwarder.waitFor((request) => request.method === 'DELETE' && request.mcpSessionId !== undefined), new Promise((resolve) => setTimeout(resolve, STEP_MS))]);
  timings.hangupToMcpReleasedMs = since(hangupStart);
  result.mcpSessionReleased = released !== undefined;
  result.serveSessionsAfterHangup = serve.app.sessions.size;
  result.simCallStatusAfterHangup = sim.calls.find((call) => call.id === transport.callId)?.status;
  result.mcpAuthorizations = [...new Set(forwarder.requests.map((request) => request.authorization))];
  result.speakerHeard = speaker.heard;
  Object.assign(result, browserReport(view, browserFetch.answers, [API_KEY, MCP_TOKEN]));
  result.errors = view.errors;
  timings.totalMs = since(start);
  result.timings = timings;
}

try {
  await main();
} catch (error) {
  result.error = error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
}
for (const cleanup of cleanups.reverse()) {
  try {
    await cleanup();
  } catch {
    // The rest is cleaned up all the same.
  }
}
// @roamhq/wrtc: its peer connections are closed; exit now (a process that made an RTCAudioSource can crash ending on its own).
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
