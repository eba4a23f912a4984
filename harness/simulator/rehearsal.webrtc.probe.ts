/**
 * The browser side of `rehearsal.webrtc.test.ts`, run in a child process inside a loopback-only
 * network namespace. `@roamhq/wrtc` plays the browser of the demo: it posts its SDP offer to the
 * rehearsal simulator's `/v1/realtime/calls` (with an Origin, as a page would), offers a tool on
 * `oai-events`, speaks (a tone) into its fake microphone, answers the model's tool call, and listens
 * to the spoken reply on its speaker. Prints one JSON line of what it saw.
 */
import wrtc from '@roamhq/wrtc';
import { startRealtimeSimulator } from './server.js';

const { RTCPeerConnection, MediaStream, nonstandard } = wrtc;
const STEP_TIMEOUT_MS = 10_000;
const MIC_RATE = 48_000;
const MIC_FRAME = 480; // 10 ms

const result = {
  status: 0,
  allowOrigin: null as string | null,
  events: [] as string[],
  callName: '',
  callArguments: '',
  transcript: '',
  /** Wall time from the microphone going quiet to speech_stopped, and to response.created. */
  speechStoppedAfterMs: -1,
  responseCreatedAfterMs: -1,
  /** Loud samples (48 kHz) the speaker heard between output_audio_buffer.started and .stopped. */
  loudSamplesHeard: 0,
  log: [] as string[],
  error: undefined as string | undefined,
};

type Event = { type: string; [field: string]: any };

async function main(): Promise<void> {
  const simulator = await startRealtimeSimulator({ rehearsal: { seed: 3 }, apiKey: 'sk-test-key' });
  const pc = new RTCPeerConnection({ iceServers: [] });
  const channel = pc.createDataChannel('oai-events');
  const source = new nonstandard.RTCAudioSource();
  const micTrack = source.createTrack();
  pc.addTrack(micTrack, new MediaStream([micTrack]));
  let speaking = false;
  let sent = 0;
  const started = performance.now();
  const mic = setInterval(() => {
    for (const due = Math.floor((performance.now() - started) / 10); sent < due; sent++) {
      const samples = new Int16Array(MIC_FRAME);
      if (speaking) for (let i = 0; i < MIC_FRAME; i++) samples[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (sent * MIC_FRAME + i)) / MIC_RATE));
      source.onData({ samples, sampleRate: MIC_RATE, bitsPerSample: 16, channelCount: 1, numberOfFrames: MIC_FRAME });
    }
  }, 10);
  let listening = false;
  pc.ontrack = (event) => {
    const sink = new nonstandard.RTCAudioSink(event.track);
    sink.ondata = (data: { samples: Int16Array }) => {
      if (listening) result.loudSamplesHeard += data.samples.filter((sample) => Math.abs(sample) > 1000).length;
    };
  };
  const received: Event[] = [];
  const waiters = new Set<() => void>();
  channel.onmessage = (message) => {
    const event = JSON.parse(String(message.data)) as Event;
    received.push(event);
    result.events.push(event.type);
    if (event.type === 'output_audio_buffer.started') listening = true;
    if (event.type === 'output_audio_buffer.stopped') listening = false;
    for (const wake of [...waiters]) wake();
  };
  const next = (type: string, from = 0): Promise<Event> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${type}; got ${result.events.join(', ')}`)), STEP_TIMEOUT_MS);
      const look = (): void => {
        const found = received.slice(from).find((event) => event.type === type);
        if (!found) return;
        clearTimeout(timer);
        waiters.delete(look);
        resolve(found);
      };
      waiters.add(look);
      look();
    });
  const send = (event: object): void => channel.send(JSON.stringify(event));

  try {
    await pc.setLocalDescription(await pc.createOffer());
    await new Promise<void>((resolve) => {
      if (pc.iceGatheringState === 'complete') resolve();
      pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
    });
    // As serve does for the page: a client secret minted with the standard key.
    const minted = await fetch(`${simulator.httpUrl}/v1/realtime/client_secrets`, {
      method: 'POST',
      headers: { authorization: 'Bearer sk-test-key', 'content-type': 'application/json' },
      body: JSON.stringify({ session: { type: 'realtime' } }),
    });
    const { value: clientSecret } = (await minted.json()) as { value: string };
    const answer = await fetch(`${simulator.httpUrl}/v1/realtime/calls`, {
      method: 'POST',
      headers: { origin: 'http://127.0.0.1:5173', authorization: `Bearer ${clientSecret}`, 'content-type': 'application/sdp' },
      body: pc.localDescription!.sdp,
    });
    result.status = answer.status;
    result.allowOrigin = answer.headers.get('access-control-allow-origin');
    await pc.setRemoteDescription({ type: 'answer', sdp: await answer.text() });
    await new Promise<void>((resolve) => (channel.readyState === 'open' ? resolve() : (channel.onopen = () => resolve())));
    send({ type: 'session.update', session: { type: 'realtime', tools: [{ type: 'function', name: 'echo', parameters: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } }] } });
    await next('session.updated');

    await new Promise((resolve) => setTimeout(resolve, 300));
    speaking = true;
    await new Promise((resolve) => setTimeout(resolve, 800));
    speaking = false;
    const quietAt = performance.now();
    await next('input_audio_buffer.speech_stopped');
    result.speechStoppedAfterMs = Math.round(performance.now() - quietAt);
    await next('response.created');
    result.responseCreatedAfterMs = Math.round(performance.now() - quietAt);
    const call = await next('response.function_call_arguments.done');
    result.callName = call.name;
    result.callArguments = call.arguments;
    await next('response.done');
    const from = received.length;
    send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: 'Echo: hello from the probe' } });
    send({ type: 'response.create' });
    result.transcript = (await next('response.output_audio_transcript.done', from)).transcript;
    await next('output_audio_buffer.stopped', from);
  } finally {
    clearInterval(mic);
    pc.close();
    result.log = simulator.log.slice(-20);
    await simulator.close();
  }
}

try {
  await main();
} catch (error) {
  result.error = error instanceof Error ? error.message : String(error);
}
process.stdout.write(`${JSON.stringify(result)}\n`, () => process.exit(0));
