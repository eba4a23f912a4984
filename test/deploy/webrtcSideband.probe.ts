/**
 * The browser + sideband deployment, end to end, in one process inside a loopback-only network
 * namespace (run by `webrtcSideband.test.ts`): the Realtime simulator (real HTTP, a real werift
 * peer), real server-everything over Streamable HTTP behind a recording forwarder, `startServe`
 * configured with it and an MCP token, and the browser (`createWebRtcTransport` on @roamhq/wrtc
 * with a fake microphone and speaker) signalling through serve's `POST /call`. The user speaks
 * (real audio, heard by the simulator's VAD), the model calls `echo`, serve runs it over the
 * sideband, the browser hears the answer, then hangs up. Prints one JSON line of what was seen.
 */
import { startRealtimeSimulator } from "../../harness/simulator/index.js";
import { createWebRtcTransport } from "../../src/protocol/webrtcTransport.js";
import { startServe, type RunningServe } from "../../src/serve/startServe.js";
import { leaksIn } from "../faults/secretScan.js";
import { startEverything, type RunningServer } from "../support/mcpServers.js";
import { followEvents, payload } from "../support/serveHarness.js";
import { libraryOpenAi } from "./libraryOpenAi.js";
import {
  startRecordingForwarder,
  type RecordingForwarder,
} from "./recordingForwarder.js";
import {
  createWrtcPeerConnection,
  deadline,
  recordingFetch,
  startFakeMicrophone,
  startFakeSpeaker,
} from "./wrtcBrowser.js";

const API_KEY = "sk-test-key";
const MCP_TOKEN = "mcp-test-token-123";
const ACCESS_TOKEN = "deploy-access-token-0001";
const STEP_MS = 8_000;

const delay = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const since = (start: number) => Math.round(performance.now() - start);

const result: Record<string, unknown> = {
  timings: {} as Record<string, number>,
};
const timings = result.timings as Record<string, number>;
const cleanups: Array<() => unknown> = [];

async function main(): Promise<void> {
  const start = performance.now();
  const everything: RunningServer = await startEverything("streamableHttp");
  cleanups.push(() => everything.stop());
  const forwarder: RecordingForwarder = await startRecordingForwarder(
    everything.url,
  );
  cleanups.push(() => forwarder.close());
  const sim = await startRealtimeSimulator({
    apiKey: API_KEY,
    script: [
      { user: "Please echo the deploy check." },
      {
        callTool: {
          name: "echo",
          arguments: { message: "deploy check" },
          reply: "The server said: {output}",
        },
      },
    ],
  });
  cleanups.push(() => sim.close());
  const serve: RunningServe = await startServe({
    apiKey: API_KEY,
    port: 0,
    accessToken: ACCESS_TOKEN,
    openai: libraryOpenAi,
    openaiBaseUrl: `${sim.httpUrl}/v1`,
    servers: [
      {
        label: "everything",
        url: forwarder.url,
        headers: { Authorization: `Bearer ${MCP_TOKEN}` },
      },
    ],
    allowedTools: ["everything/echo", "everything/get-sum"],
  });
  cleanups.push(() => serve.close({ deadlineMs: 1_000 }));
  timings.setupMs = since(start);

  // The browser.
  const microphone = startFakeMicrophone();
  cleanups.push(() => microphone.stop());
  const speaker = startFakeSpeaker("before the tool call");
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
  const frames: Array<readonly [string, string]> = [];
  const errors: string[] = [];
  transport.on(
    "frame",
    (direction, text) => void frames.push([direction, text]),
  );
  transport.on("error", (error) => void errors.push(error.message));
  const outputSeen = deadline(
    "the tool output on the data channel",
    STEP_MS * 2,
  );
  const replyPlayed = deadline(
    "the reply played (output_audio_buffer.stopped after the tool output)",
    STEP_MS * 2,
  );
  // The model's tool call is complete (its response.done) before serve can run it: audio heard from
  // then on is the reply (the script speaks nothing else).
  let toolCalled = false;
  let outputSent = false;
  transport.on("event", (event) => {
    const loose = event as {
      type: string;
      item?: { type?: string };
      response?: { output?: Array<{ type?: string }> };
    };
    if (
      loose.type === "response.done" &&
      loose.response?.output?.some((item) => item.type === "function_call") &&
      !toolCalled
    ) {
      toolCalled = true;
      speaker.phase("after the tool call");
    }
    if (
      loose.type === "conversation.item.done" &&
      loose.item?.type === "function_call_output" &&
      !outputSent
    ) {
      outputSent = true;
      outputSeen.done();
    }
    if (loose.type === "output_audio_buffer.stopped" && outputSent)
      replyPlayed.done();
  });

  const connectStart = performance.now();
  await transport.connect();
  timings.connectMs = since(connectStart);
  const callAnswer = browserFetch.answers[0];
  const sessionId = callAnswer?.headers["x-session-id"];
  if (sessionId === undefined)
    throw new Error(
      `POST /call gave no X-Session-Id (status ${callAnswer?.status})`,
    );
  result.callStatus = callAnswer!.status;
  result.callIdMatches =
    transport.callId !== undefined &&
    sim.calls.some((call) => call.id === transport.callId);
  const ended = followEvents(
    serve.url,
    sessionId,
    (event) => event.event === "session.ended",
    { token: ACCESS_TOKEN, signal: AbortSignal.timeout(STEP_MS * 3) },
  );

  // The user speaks: silence, ~600 ms of a loud tone, then silence (the VAD needs 500 ms of it).
  await delay(300);
  microphone.set("speech");
  const speechStart = performance.now();
  await delay(600);
  microphone.set("silence");
  await outputSeen.promise;
  timings.speechToToolOutputMs = since(speechStart);
  await replyPlayed.promise;
  await speaker.untilLoud(2_400, STEP_MS);
  timings.speechToReplyHeardMs = since(speechStart);
  result.script = await sim.done;
  result.microphoneFrames = { ...microphone.frames };

  // What the simulator saw of the call: each client event with its channel.
  const callSession = sim.sessions.find(
    (session) => session.callId === transport.callId,
  );
  result.clientEventLog = (callSession?.clientEventLog ?? []).map(
    ({ channel, event }) => {
      const loose = event as {
        type: string;
        item?: { type?: string };
        session?: { tools?: unknown[] };
      };
      return {
        channel,
        type: loose.type,
        ...(loose.item ? { itemType: loose.item.type } : {}),
        ...(loose.session?.tools ? { tools: loose.session.tools.length } : {}),
      };
    },
  );
  result.replyTranscripts = (callSession?.serverEvents ?? []).flatMap(
    (event) => {
      const loose = event as { type: string; transcript?: string };
      return loose.type === "response.output_audio_transcript.done"
        ? [loose.transcript]
        : [];
    },
  );
  result.browserSent = frames
    .filter(([direction]) => direction === "out")
    .map(([, text]) => text);
  result.browserReceivedCount = frames.filter(
    ([direction]) => direction === "in",
  ).length;
  result.browserHeardTranscripts = frames.flatMap(([direction, text]) => {
    const event = JSON.parse(text) as { type: string; transcript?: string };
    return direction === "in" &&
      event.type === "response.output_audio_transcript.done"
      ? [event.transcript]
      : [];
  });

  // The browser hangs up: the server's session ends and its MCP session is released.
  const hangupStart = performance.now();
  await transport.close();
  const sessionEvents = await ended;
  const endedEvent = sessionEvents.find(
    (event) => event.event === "session.ended",
  );
  result.sessionEnded = endedEvent ? payload(endedEvent).data : undefined;
  result.toolCallEnded = sessionEvents
    .filter((event) => event.event === "toolCall.ended")
    .map((event) => payload(event).data.code);
  const released = await Promise.race([
    forwarder.waitFor(
      (request) =>
        request.method === "DELETE" && request.mcpSessionId !== undefined,
    ),
    delay(STEP_MS).then(() => undefined),
  ]);
  timings.hangupToReleasedMs = since(hangupStart);
  result.mcpSessionReleased = released !== undefined;
  result.serveSessionsAfterHangup = serve.app.sessions.size;
  result.simCallStatus = sim.calls.find(
    (call) => call.id === transport.callId,
  )?.status;
  result.mcpAuthorizations = [
    ...new Set(forwarder.requests.map((request) => request.authorization)),
  ];
  result.mcpToolCalls = forwarder.requests.filter(
    (request) => request.method === "POST",
  ).length;
  result.speakerHeard = speaker.heard;

  // Everything the browser received or sent, every answer serve gave it, every error it reported.
  const browserTexts: Array<readonly [string, string]> = [
    ...frames.map(
      ([direction, text], i) => [`frame ${i} ${direction}`, text] as const,
    ),
    ...browserFetch.answers.map(
      (answer, i) =>
        [
          `answer ${i} ${answer.url}`,
          `${answer.status} ${JSON.stringify(answer.headers)} ${answer.body}`,
        ] as const,
    ),
    ...errors.map((message, i) => [`error ${i}`, message] as const),
  ];
  result.scanned = {
    texts: browserTexts.length,
    answers: browserFetch.answers.length,
  };
  result.leaks = leaksIn(browserTexts, [API_KEY, MCP_TOKEN]);
  result.errors = errors;
  timings.totalMs = since(start);
}

try {
  await main();
} catch (error) {
  result.error =
    error instanceof Error ? `${error.message}\n${error.stack}` : String(error);
}
for (const cleanup of cleanups.reverse()) {
  try {
    await cleanup();
  } catch {
    // Cleanup goes on.
  }
}
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
