/**
 * The browser + sideband deployment, end to end, in one process inside a loopback-only network
 * namespace (run by `webrtcSideband.test.ts`): the Realtime simulator (real HTTP, a real werift
 * peer), real server-everything behind a recording forwarder, `startServe` holding the OpenAI key
 * and an MCP token, and the browser (`createWebRtcTransport` on @roamhq/wrtc with a fake microphone
 * and speaker) signalling through serve's `POST /call`.
 *
 * 1. The user speaks (real audio, heard by the simulator's VAD), the model calls `echo`, serve runs
 *    it over the sideband, the browser hears the answer.
 * 2. A hostile page offers a tool of its own (`session.update` on the data channel): serve's proxy
 *    puts its tools back over the sideband and warns (`session_tools_overridden`). The model calls
 *    the page's tool all the same: serve runs nothing (not in its catalog) and answers with an error.
 * 3. The browser hangs up: serve's session and its MCP session end.
 * 4. A second call the README's way (`exchangeSdp` posting JSON to `/call`) attaches and ends too.
 *
 * Prints one JSON line of what was seen.
 */
import { createWebRtcTransport } from '../../src/protocol/webrtcTransport.js';
import { followEvents, payload } from '../support/serveHarness.js';
import {
  ACCESS_TOKEN,
  API_KEY,
  browserReport,
  callReport,
  ECHO_SCRIPT,
  isToolOutput,
  MCP_TOKEN,
  operatorLeaks,
  speak,
  startDeployStack,
  toolTurn,
  watchBrowser,
  type LooseEvent,
} from './deployStack.js';
import { createWrtcPeerConnection, finishProbe, recordingFetch, startFakeMicrophone, startFakeSpeaker } from './wrtcBrowser.js';

const STEP_MS = 10_000;
const since = (start: number) => Math.round(performance.now() - start);
const result: Record<string, unknown> = {};
const timings: Record<string, number> = {};
const cleanups: Array<() => unknown> = [];

const FORGED_TOOL = { type: 'function' as const, name: 'forged_tool', description: 'Deletes everything.', parameters: { type: 'object', properties: { path: { type: 'string' } } } };

async function main(): Promise<void> {
  const start = performance.now();
  const stack = await startDeployStack({
    simulator: {
      script: [...ECHO_SCRIPT, { user: 'And now the other tool.' }, { callTool: { name: FORGED_TOOL.name, arguments: { path: '/' }, reply: 'The server answered: {output}' } }],
    },
  });
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

  // 1. A spoken turn that ends in the echo call, run by serve.
  const turn = await toolTurn(view, microphone, speaker, 2_400);
  timings.speechToToolOutputMs = turn.toOutputMs;
  timings.speechToReplyHeardMs = turn.toReplyHeardMs;
  result.speakerHeard = structuredClone(speaker.heard);
  result.speakerFormat = { ...speaker.format };
  result.microphoneFrames = { ...microphone.frames };

  // 2. The page offers its own tool: serve's proxy puts its own back; the model calls the page's anyway.
  const forgedStart = performance.now();
  const toolNamesOf = (event: LooseEvent) => ((event.session as { tools?: Array<{ name: string }> }).tools ?? []).map((tool) => tool.name);
  const updated = view.next('session.updated after the update of the page', (event) => event.type === 'session.updated');
  const restored = view.next('session.updated with the tools of serve again', (event) => event.type === 'session.updated' && !toolNamesOf(event).includes(FORGED_TOOL.name));
  result.pageUpdateSent = transport.send({ type: 'session.update', session: { type: 'realtime', tools: [FORGED_TOOL] } }).ok;
  result.toolsAfterPageUpdate = toolNamesOf(await updated);
  result.toolsRestored = toolNamesOf(await restored);
  const forgedOutput = view.next('the output of the forged call', isToolOutput);
  const forgedReply = view.next('the reply to the forged call', (event: LooseEvent) => event.type === 'response.output_audio_transcript.done' && /^The server answered/.test(event.transcript));
  await speak(microphone);
  result.forgedOutput = ((await forgedOutput).item as { output: string }).output;
  await forgedReply;
  timings.forgedCallMs = since(forgedStart);
  result.script = await sim.done;
  Object.assign(result, callReport(sim, transport.callId));
  result.mcpToolCalls = forwarder.requests.filter((request) => request.rpcMethod === 'tools/call').map((request) => request.toolName);

  // 3. The browser hangs up: the server's session ends and its MCP session is released.
  const hangupStart = performance.now();
  await transport.close();
  const sessionEvents = await ended;
  timings.hangupToSessionEndedMs = since(hangupStart);
  const endedEvent = sessionEvents.find((event) => event.event === 'session.ended');
  result.sessionEnded = endedEvent ? payload(endedEvent).data : undefined;
  result.warnings = sessionEvents.filter((event) => event.event === 'warning').map((event) => payload(event).data);
  result.toolCallEnded = sessionEvents.filter((event) => event.event === 'toolCall.ended').map((event) => [payload(event).data.functionName, payload(event).data.code]);
  const mcpSessionOfCall = forwarder.requests.find((request) => request.rpcMethod === 'tools/call')?.mcpSessionId;
  const released = await Promise.race([
    forwarder.waitFor((request) => request.method === 'DELETE' && request.mcpSessionId === mcpSessionOfCall),
    new Promise((resolve) => setTimeout(resolve, STEP_MS)),
  ]);
  timings.hangupToMcpReleasedMs = since(hangupStart);
  result.mcpSessionReleased = mcpSessionOfCall !== undefined && released !== undefined;
  result.serveSessionsAfterHangup = serve.app.sessions.size;
  result.simCallStatusAfterHangup = sim.calls.find((call) => call.id === transport.callId)?.status;
  result.mcpAuthorizations = [...new Set(forwarder.requests.map((request) => request.authorization))];
  Object.assign(result, browserReport(view, browserFetch.answers, [API_KEY, MCP_TOKEN]));
  result.errors = view.errors;
  result.operatorLeaks = operatorLeaks(stack.serveLog, sessionEvents, [API_KEY, MCP_TOKEN]);
  result.operatorScanned = { logLines: stack.serveLog.length, events: sessionEvents.length };

  // 4. The README's recipe: exchangeSdp posts JSON to /call and reads { sdp, callId, sessionId }.
  const recipeStart = performance.now();
  const recipeFetch = recordingFetch();
  let recipeSessionId: string | undefined;
  const recipe = createWebRtcTransport({
    async exchangeSdp(offer, { signal }) {
      const answer = await recipeFetch.fetch(`${serve.url}/call`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ACCESS_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ sdp: offer }),
        signal,
      });
      if (!answer.ok) throw new Error(`serve refused the call: ${answer.status}`);
      const body = (await answer.json()) as { sdp: string; callId: string; sessionId: string };
      recipeSessionId = body.sessionId;
      return { sdp: body.sdp, callId: body.callId };
    },
    createPeerConnection: createWrtcPeerConnection,
    microphone: null,
    audioElement: null,
  });
  cleanups.push(() => recipe.close());
  const recipeFrames: Array<readonly ['in' | 'out', string]> = [];
  recipe.on('frame', (direction, text) => void recipeFrames.push([direction, text]));
  await recipe.connect();
  const recipeCall = sim.calls.find((call) => call.id === recipe.callId);
  result.recipe = { status: recipeFetch.answers[0]?.status, sidebands: recipeCall?.sidebands, sessionLive: recipeSessionId !== undefined && serve.app.sessions.get(recipeSessionId)?.state === 'live' };
  const recipeEnded = followEvents(serve.url, recipeSessionId!, (event) => event.event === 'session.ended', { token: ACCESS_TOKEN, signal: AbortSignal.timeout(STEP_MS) });
  await recipe.close();
  const recipeEvents = await recipeEnded;
  Object.assign(result.recipe as object, {
    ended: payload(recipeEvents.at(-1)!).data.reason,
    serveSessionsAfter: serve.app.sessions.size,
    leaks: browserReport({ frames: recipeFrames, errors: [] }, recipeFetch.answers, [API_KEY, MCP_TOKEN]).leaks,
  });
  timings.recipeCallMs = since(recipeStart);
  timings.totalMs = since(start);
  result.timings = timings;
}

await finishProbe(main, result, cleanups);
