/**
 * The browser side of `chromiumWebrtc.test.ts`, run in a child inside a loopback-only network
 * namespace: the simulator (its werift peer answers calls) and Debian's Chromium with a fake
 * microphone playing an espeak-ng WAV. A tiny page, served on the simulator's origin through
 * Playwright's routing, mints a client secret, calls with getUserMedia + RTCPeerConnection + an
 * `oai-events` data channel, and measures what arrives. Prints one JSON line.
 */
import { startRealtimeSimulator } from '../../harness/simulator/index.js';
import { launchChromium, speechWav } from './browser.js';

const API_KEY = 'sk-test-key';
const PAGE = `<!doctype html><meta charset="utf-8"><title>probe</title><audio id="remote" autoplay></audio>
<script>
window.probe = { events: [], remoteLevel: 0, states: [] };
window.runCall = async (apiKey) => {
  const secret = await (await fetch('/v1/realtime/client_secrets', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + apiKey, 'Content-Type': 'application/json' },
    body: JSON.stringify({ session: { type: 'realtime' } }),
  })).json();
  const mic = await navigator.mediaDevices.getUserMedia({ audio: true });
  const pc = new RTCPeerConnection();
  window.pc = pc;
  pc.oniceconnectionstatechange = () => probe.states.push(pc.iceConnectionState);
  pc.addTrack(mic.getAudioTracks()[0], mic);
  const channel = pc.createDataChannel('oai-events');
  channel.onmessage = (event) => {
    const type = JSON.parse(event.data).type;
    if (type === 'response.created' && probe.levelBeforeReply === undefined) probe.levelBeforeReply = probe.remoteLevel;
    probe.events.push(type);
  };
  pc.ontrack = (event) => {
    const stream = event.streams[0] ?? new MediaStream([event.track]);
    // Chromium feeds a remote WebRTC stream to WebAudio only while a media element plays it too.
    document.getElementById('remote').srcObject = stream;
    const context = new AudioContext();
    const analyser = context.createAnalyser();
    context.createMediaStreamSource(stream).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      for (const sample of samples) probe.remoteLevel = Math.max(probe.remoteLevel, Math.abs(sample));
    }, 20);
  };
  await pc.setLocalDescription(await pc.createOffer());
  await new Promise((resolve) => {
    if (pc.iceGatheringState === 'complete') resolve();
    pc.onicegatheringstatechange = () => pc.iceGatheringState === 'complete' && resolve();
  });
  const answer = await fetch('/v1/realtime/calls', {
    method: 'POST',
    headers: { Authorization: 'Bearer ' + secret.value, 'Content-Type': 'application/sdp' },
    body: pc.localDescription.sdp,
  });
  if (answer.status !== 201) throw new Error('calls answered ' + answer.status + ': ' + (await answer.text()));
  await pc.setRemoteDescription({ type: 'answer', sdp: await answer.text() });
  return { secretPrefix: String(secret.value).slice(0, 3) };
};
window.inbound = async () => {
  const stats = await pc.getStats();
  for (const report of stats.values()) {
    if (report.type === 'inbound-rtp' && report.kind === 'audio') {
      return { packetsReceived: report.packetsReceived, audioLevel: report.audioLevel, totalAudioEnergy: report.totalAudioEnergy, totalSamplesReceived: report.totalSamplesReceived };
    }
  }
  return undefined;
};
window.selectedPair = async () => {
  const stats = await pc.getStats();
  for (const report of stats.values()) {
    if (report.type === 'candidate-pair' && report.nominated && report.state === 'succeeded') {
      const local = stats.get(report.localCandidateId);
      const remote = stats.get(report.remoteCandidateId);
      return { local: local?.address ?? local?.ip, remote: remote?.address ?? remote?.ip, protocol: local?.protocol };
    }
  }
  return undefined;
};
</script>`;

const result: Record<string, unknown> = {};
const startedAt = performance.now();
const mark = (what: string) => ((result.timings as Record<string, number>)[what] = Math.round(performance.now() - startedAt));
result.timings = {};

const wav = await speechWav('Hello there. Please call a tool for me.');
if (wav === undefined) {
  console.log(JSON.stringify({ skipped: 'espeak-ng is not installed' }));
  process.exit(0);
}
const sim = await startRealtimeSimulator({
  apiKey: API_KEY,
  script: [{ user: 'Hello there.' }, { say: 'This is a simulated reply with enough words to be heard.' }],
  startWhen: 'connected',
});
const browser = await launchChromium({ fakeAudioWav: wav.path });
mark('launched');
try {
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.route(`${sim.httpUrl}/probe.html`, (route) => route.fulfill({ contentType: 'text/html', body: PAGE }));
  await page.goto(`${sim.httpUrl}/probe.html`);
  result.call = await page.evaluate((key) => (window as unknown as { runCall(k: string): Promise<unknown> }).runCall(key), API_KEY);
  mark('answered');
  await page.waitForFunction(() => (window as unknown as { probe: { events: string[] } }).probe.events.includes('session.created'), undefined, { timeout: 10_000 });
  mark('session.created');
  await page.waitForFunction(() => (window as unknown as { probe: { states: string[] } }).probe.states.includes('connected'), undefined, { timeout: 10_000 });
  result.selectedPair = await page.evaluate(() => (window as unknown as { selectedPair(): Promise<unknown> }).selectedPair());
  await page.waitForFunction(() => (window as unknown as { probe: { events: string[] } }).probe.events.includes('input_audio_buffer.speech_stopped'), undefined, { timeout: 15_000 });
  mark('speech_stopped');
  await page.waitForFunction(() => (window as unknown as { probe: { remoteLevel: number } }).probe.remoteLevel > 0.01, undefined, { timeout: 15_000 });
  mark('remote audio heard');
  await page.waitForFunction(() => (window as unknown as { probe: { events: string[] } }).probe.events.includes('response.done'), undefined, { timeout: 15_000 });
  mark('response.done');
  const probe = await page.evaluate(() => (window as unknown as { probe: { events: string[]; remoteLevel: number; levelBeforeReply: number; states: string[] } }).probe);
  Object.assign(result, { events: probe.events, remoteLevel: probe.remoteLevel, levelBeforeReply: probe.levelBeforeReply, iceStates: probe.states, pageErrors });
  result.inbound = await page.evaluate(() => (window as unknown as { inbound(): Promise<unknown> }).inbound());
  result.simulatorCalls = sim.calls.length;
  result.simulatorLog = sim.log.filter((line) => line.startsWith('webrtc')).slice(0, 20);
} catch (error) {
  result.error = (error as Error).message;
  const page = browser.browser.contexts()[0]?.pages()[0];
  if (page) {
    result.inbound = await page.evaluate(() => (window as unknown as { inbound(): Promise<unknown> }).inbound()).catch(String);
    result.probe = await page.evaluate(() => (window as unknown as { probe: unknown }).probe).catch(String);
  }
  result.simulatorLog = sim.log.slice(-30);
} finally {
  await browser.close();
  await sim.close();
  await wav.remove();
}
console.log(JSON.stringify(result));
process.exit(0);
