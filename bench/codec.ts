/**
 * bench:codec: what does validating every frame cost, compared with only parsing it?
 *
 * Builds, deterministically (seeded PRNG), the JSON text frames of a 10-minute voice conversation
 * as a WebSocket delivers them, both directions: the mic streaming input_audio_buffer.append the
 * whole time (20–100 ms of 24 kHz PCM16 each), the model's response.output_audio.delta, and the
 * lifecycle events of every turn (VAD, transcription, items, responses with usage, rate limits,
 * some function calls, a few barge-ins). Then, in one process, rounds interleaved A, B, A, B…:
 *   (a) JSON.parse(frame) for every frame (the floor: any client has to parse);
 *   (b) decodeServerEvent / decodeClientEvent for every frame (parse + GA mapping + ajv).
 * Each figure is the median round. ratio = throughput(b) / throughput(a) = time(a) / time(b):
 * 1.0 means validation is free, 0.8 means decoding takes 25% longer than parsing alone.
 * Budget: ratio >= 0.8 over all frames; exits 1 below it. It is a benchmark, not a test: absolute
 * figures depend on the machine, compare ratios, measured in one run. MB = 10^6 bytes of UTF-8.
 * Memory: heap figures are retained sizes only under --expose-gc, e.g.
 * `NODE_OPTIONS=--expose-gc npm run bench:codec`; otherwise the output says the GC was not forced.
 * Reading the table: "all frames" is what the budget is about; "audio frames" (output_audio.delta and
 * input_audio_buffer.append, ~99% of the bytes) shows the cost on big frames, "other" on small ones.
 */
import { decodeClientEvent, decodeServerEvent } from '../src/protocol/codec.js';

const BUDGET = 0.8;
const ROUNDS = 11;
const CONVERSATION_MS = 10 * 60_000;

// ---- Deterministic generation ----------------------------------------------------------------
let seed = 0x5eed_c0de;
function rand(): number { // mulberry32
  seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const int = (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1));
const pick = <T>(xs: ArrayLike<T>): T => xs[Math.floor(rand() * xs.length)]!;
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const rid = (prefix: string, n = 21) => prefix + Array.from({ length: n }, () => pick(ALNUM)).join('');
const WORDS = ('the a to and of it is that you I for on with can your order weather today Paris table at seven sure let me ' +
  'check this moment would like book two people tomorrow evening thanks great okay yes').split(' ');
const words = (n: number) => Array.from({ length: n }, (_, i) => (i === 0 ? '' : ' ') + pick(WORDS));

// 10 s of voice-like 24 kHz 16-bit mono PCM; each chunk is a slice at a random (even) offset.
const pcm = Buffer.alloc(24_000 * 2 * 10);
for (let i = 0; i < pcm.length / 2; i++) {
  const v = 6000 * Math.sin(i * 0.031) * Math.sin(i * 0.0007) + 2000 * Math.sin(i * 0.13) + (rand() - 0.5) * 800;
  pcm.writeInt16LE(Math.round(v), i * 2);
}
const audio = (ms: number) => {
  const off = 2 * int(0, (pcm.length - ms * 48) / 2);
  return pcm.subarray(off, off + ms * 48).toString('base64'); // 48 bytes per ms at 24 kHz PCM16
};
const chunkMs = () => 10 * int(2, 10); // 20–100 ms

type Dir = 'S' | 'C';
interface Frame { t: number; dir: Dir; type: string; text: string }
const frames: Frame[] = [];
const emit = (t: number, dir: Dir, event: { type: string; [k: string]: unknown }) => frames.push({ t, dir, type: event.type, text: JSON.stringify(event) });
const S = (t: number, { type, ...fields }: { type: string; [k: string]: unknown }) => emit(t, 'S', { type, event_id: rid('event_'), ...fields });

const conversationId = rid('conv_');
const format = { type: 'audio/pcm', rate: 24000 };
const tools = [
  { type: 'function', name: 'get_weather', description: 'Current weather for a city.', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } },
  { type: 'function', name: 'lookup_order', description: 'Status of an order.', parameters: { type: 'object', properties: { order_id: { type: 'string' } }, required: ['order_id'] } },
  { type: 'function', name: 'book_table', description: 'Book a restaurant table.', parameters: { type: 'object', properties: { restaurant: { type: 'string' }, time: { type: 'string' }, party_size: { type: 'integer' } } } },
];
const calls = [
  { name: 'get_weather', args: () => ({ city: pick(['Paris', 'Lyon', 'Berlin', 'Madrid']) }), out: () => ({ temp_c: int(2, 31), sky: pick(['cloudy', 'sunny', 'rain']) }) },
  { name: 'lookup_order', args: () => ({ order_id: rid('ord_', 10) }), out: () => ({ status: pick(['shipped', 'packing']), eta_days: int(1, 5) }) },
  { name: 'book_table', args: () => ({ restaurant: 'Chez Marcel', time: `2026-11-24T${int(18, 21)}:00`, party_size: int(2, 6) }), out: () => ({ confirmed: true, ref: rid('BK', 6) }) },
];
const session = {
  type: 'realtime', object: 'realtime.session', id: rid('sess_'), model: 'gpt-realtime', output_modalities: ['audio'],
  instructions: 'You are a friendly voice assistant for a restaurant and delivery service. Keep answers short.',
  audio: {
    input: { format, transcription: { model: 'gpt-4o-mini-transcribe', language: 'en' }, noise_reduction: null,
      turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true, interrupt_response: true } },
    output: { format, voice: 'marin', speed: 1 },
  },
  tools, tool_choice: 'auto', max_output_tokens: 'inf', tracing: null, expires_at: 1795000000,
};
const usage = (inTok: number, outTok: number) => ({
  total_tokens: inTok + outTok, input_tokens: inTok, output_tokens: outTok,
  input_token_details: { text_tokens: inTok >> 2, audio_tokens: inTok - (inTok >> 2), image_tokens: 0, cached_tokens: inTok >> 1,
    cached_tokens_details: { text_tokens: inTok >> 3, audio_tokens: (inTok >> 1) - (inTok >> 3), image_tokens: 0 } },
  output_token_details: { text_tokens: outTok >> 2, audio_tokens: outTok - (outTok >> 2) },
});

// The mic streams for the whole conversation, whoever is speaking.
for (let t = 0, ms = chunkMs(); t < CONVERSATION_MS; t += ms, ms = chunkMs()) emit(t + ms, 'C', { type: 'input_audio_buffer.append', audio: audio(ms) });

/** Emits one response from t; returns the items it produced and when its audio finishes playing. */
function response(t: number, speech: string[] | null, call: (typeof calls)[number] | null, prev: string | null) {
  const response_id = rid('resp_');
  const base = { object: 'realtime.response', id: response_id, conversation_id: conversationId, output_modalities: ['audio'], max_output_tokens: 'inf', audio: { output: { format, voice: 'marin' } }, metadata: null };
  S(t, { type: 'response.created', response: { ...base, status: 'in_progress', status_details: null, output: [], usage: null } });
  S((t += 5), { type: 'rate_limits.updated', rate_limits: [{ name: 'tokens', limit: 40000, remaining: int(30000, 39000), reset_seconds: int(1, 90) / 10 }] });
  const output: object[] = [];
  let playEnd = t, callId = '';
  if (speech) {
    const item_id = rid('item_'), ids = { response_id, item_id, output_index: 0, content_index: 0 };
    const item = { id: item_id, object: 'realtime.item', type: 'message', role: 'assistant' };
    S((t += int(150, 400)), { type: 'response.output_item.added', response_id, output_index: 0, item: { ...item, status: 'in_progress', content: [] } });
    S((t += 1), { type: 'conversation.item.added', previous_item_id: prev, item: { ...item, status: 'in_progress', content: [] } });
    S((t += 1), { type: 'response.content_part.added', ...ids, part: { type: 'audio', transcript: '' } });
    const totalMs = speech.length * int(330, 420);
    let w = 0;
    for (let played = 0, ms = chunkMs(); played < totalMs; played += ms, ms = chunkMs()) {
      const at = t + played / 3; // the server sends audio faster than real time
      for (; w < speech.length && w * totalMs <= played * speech.length; w++) {
        S(at, { type: 'response.output_audio_transcript.delta', ...ids, delta: speech[w], obfuscation: rid('', int(4, 14)) });
      }
      S(at, { type: 'response.output_audio.delta', ...ids, delta: audio(ms) });
    }
    const transcript = speech.join('');
    t += totalMs / 3;
    playEnd = t + (totalMs * 2) / 3;
    S((t += 2), { type: 'response.output_audio.done', ...ids });
    S((t += 1), { type: 'response.output_audio_transcript.done', ...ids, transcript });
    S((t += 1), { type: 'response.content_part.done', ...ids, part: { type: 'audio', transcript } });
    const done = { ...item, status: 'completed', content: [{ type: 'output_audio', transcript }] };
    S((t += 1), { type: 'response.output_item.done', response_id, output_index: 0, item: done });
    S((t += 1), { type: 'conversation.item.done', previous_item_id: prev, item: done });
    output.push(done);
    prev = item_id;
  }
  if (call) {
    const output_index = output.length, item_id = rid('item_'), call_id = (callId = rid('call_', 16)), args = JSON.stringify(call.args());
    const item = { id: item_id, object: 'realtime.item', type: 'function_call', name: call.name, call_id };
    S((t += int(100, 300)), { type: 'response.output_item.added', response_id, output_index, item: { ...item, status: 'in_progress', arguments: '' } });
    S((t += 1), { type: 'conversation.item.added', previous_item_id: prev, item: { ...item, status: 'in_progress', arguments: '' } });
    for (let i = 0, n = 0; i < args.length; i += n) {
      n = int(1, 8);
      S((t += 15), { type: 'response.function_call_arguments.delta', response_id, item_id, output_index, call_id, delta: args.slice(i, i + n) });
    }
    S((t += 2), { type: 'response.function_call_arguments.done', response_id, item_id, output_index, call_id, name: call.name, arguments: args });
    const done = { ...item, status: 'completed', arguments: args };
    S((t += 1), { type: 'response.output_item.done', response_id, output_index, item: done });
    S((t += 1), { type: 'conversation.item.done', previous_item_id: prev, item: done });
    output.push(done);
    prev = item_id;
  }
  const outTok = int(20, 60) + (speech ? speech.length * 12 : 0);
  S((t += 3), { type: 'response.done', response: { ...base, status: 'completed', status_details: null, output, usage: usage(int(400, 4000), outTok) } });
  return { t, playEnd: Math.max(playEnd, t), prev: prev!, callId, lastAudioItem: speech ? (output[0] as { id: string }).id : null };
}

// Session setup, then turns until the 10 minutes are up.
S(120, { type: 'session.created', session });
emit(300, 'C', { type: 'session.update', event_id: rid('event_'), session: { type: 'realtime', instructions: session.instructions, tools, tool_choice: 'auto', audio: session.audio } });
S(420, { type: 'session.updated', session });
let now = 1500, prev: string | null = null, bargeIn = false;
while (now < CONVERSATION_MS - 20_000) {
  const userStart = now + (bargeIn ? 0 : int(400, 2500)), said = words(int(3, 25));
  const userEnd = userStart + said.length * int(280, 420), userItem = rid('item_');
  S(userStart + 300, { type: 'input_audio_buffer.speech_started', audio_start_ms: userStart, item_id: userItem });
  S(userEnd + 500, { type: 'input_audio_buffer.speech_stopped', audio_end_ms: userEnd + 200, item_id: userItem });
  S(userEnd + 520, { type: 'input_audio_buffer.committed', item_id: userItem, previous_item_id: prev });
  const userMsg = { id: userItem, object: 'realtime.item', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] };
  S(userEnd + 521, { type: 'conversation.item.added', previous_item_id: prev, item: userMsg });
  S(userEnd + 522, { type: 'conversation.item.done', previous_item_id: prev, item: userMsg });
  said.forEach((delta, i) => S(userEnd + 700 + i * 25, { type: 'conversation.item.input_audio_transcription.delta', item_id: userItem, content_index: 0, delta }));
  S(userEnd + 710 + said.length * 25, { type: 'conversation.item.input_audio_transcription.completed', item_id: userItem, content_index: 0, transcript: said.join(''),
    usage: { type: 'tokens', total_tokens: said.length * 9, input_tokens: said.length * 7, output_tokens: said.length * 2, input_token_details: { text_tokens: 0, audio_tokens: said.length * 7 } } });
  prev = userItem;
  const call = rand() < 0.25 ? pick(calls) : null;
  let r = response(userEnd + 540, call && rand() < 0.5 ? words(int(3, 8)) : call ? null : words(int(5, 40)), call, prev);
  if (call) {
    // The client runs the tool and answers; the server adds the output item; the client asks for the spoken answer.
    const at = r.t + int(200, 1500), outItem = rid('item_');
    const out = { type: 'function_call_output', call_id: r.callId, output: JSON.stringify(call.out()) };
    emit(at, 'C', { type: 'conversation.item.create', event_id: rid('event_'), item: out });
    S(at + 40, { type: 'conversation.item.added', previous_item_id: r.prev, item: { id: outItem, object: 'realtime.item', ...out } });
    S(at + 41, { type: 'conversation.item.done', previous_item_id: r.prev, item: { id: outItem, object: 'realtime.item', ...out } });
    emit(at + 5, 'C', { type: 'response.create', event_id: rid('event_') });
    r = response(at + 60, words(int(8, 40)), null, outItem);
  }
  prev = r.prev;
  bargeIn = r.lastAudioItem !== null && rand() < 0.1;
  if (bargeIn) {
    // The user talks over the assistant: stop playback and truncate the unheard audio.
    now = Math.round(r.t + (r.playEnd - r.t) / 2);
    emit(now + 350, 'C', { type: 'conversation.item.truncate', event_id: rid('event_'), item_id: r.lastAudioItem!, content_index: 0, audio_end_ms: Math.round(now - r.t) });
    S(now + 400, { type: 'conversation.item.truncated', item_id: r.lastAudioItem!, content_index: 0, audio_end_ms: Math.round(now - r.t) });
  } else now = Math.round(r.playEnd);
}
frames.sort((a, b) => a.t - b.t); // stable: same-time frames keep their order

// ---- Measurement --------------------------------------------------------------------------------
const MB = (bytes: number) => bytes / 1e6;
const bytesOf = (fs: Frame[]) => fs.reduce((n, f) => n + Buffer.byteLength(f.text), 0);
const composition = new Map<string, { n: number; bytes: number }>();
for (const f of frames) {
  const key = `${f.dir} ${f.type}`, c = composition.get(key) ?? { n: 0, bytes: 0 };
  composition.set(key, { n: c.n + 1, bytes: c.bytes + Buffer.byteLength(f.text) });
}
console.log(`Stream: 10-minute voice conversation, ${frames.length} frames, ${MB(bytesOf(frames)).toFixed(1)} MB (S = server→client, C = client→server)`);
for (const [key, c] of [...composition].sort((a, b) => b[1].n - a[1].n)) {
  console.log(`  ${key.padEnd(58)} ${String(c.n).padStart(6)}  ${MB(c.bytes).toFixed(2).padStart(6)} MB`);
}

function parseAll(texts: string[]): number {
  let n = 0;
  for (let i = 0; i < texts.length; i++) if (typeof JSON.parse(texts[i]!) === 'object') n++;
  return n;
}
function decodeAll(texts: string[], server: boolean[]): number {
  let n = 0;
  for (let i = 0; i < texts.length; i++) if ((server[i] ? decodeServerEvent(texts[i]!) : decodeClientEvent(texts[i]!)).ok) n++;
  return n;
}
function checkAll(fs: Frame[]): void {
  for (const f of fs) {
    const r = decode(f);
    if (!r.ok) throw new Error(`bench:codec: a generated ${f.dir} ${f.type} frame does not decode: ${r.error.message}\n${f.text.slice(0, 400)}`);
    if (r.event.type === 'proxy.unknown_event') throw new Error(`bench:codec: ${f.type} decoded as unknown (not validated)`);
  }
}
const decode = (f: Frame) => (f.dir === 'S' ? decodeServerEvent(f.text) : decodeClientEvent(f.text));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1]!;

function compare(label: string, fs: Frame[]) {
  const texts = fs.map((f) => f.text), server = fs.map((f) => f.dir === 'S');
  checkAll(fs); // warm-up 1, and every result must be ok
  parseAll(texts); decodeAll(texts, server); // warm-up 2
  const a: number[] = [], b: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    let t0 = performance.now();
    if (parseAll(texts) !== texts.length) throw new Error('JSON.parse pass lost frames');
    a.push(performance.now() - t0);
    t0 = performance.now();
    if (decodeAll(texts, server) !== texts.length) throw new Error('decode pass failed frames');
    b.push(performance.now() - t0);
  }
  const ta = median(a) / 1000, tb = median(b) / 1000, mb = MB(bytesOf(fs)), pairs = a.map((x, i) => x / b[i]!);
  const spread = `${Math.min(...pairs).toFixed(2)}–${Math.max(...pairs).toFixed(2)}`;
  return { label, n: fs.length, mb, evA: fs.length / ta, mbA: mb / ta, evB: fs.length / tb, mbB: mb / tb, ratio: ta / tb, spread };
}

const isAudio = (f: Frame) => f.type === 'response.output_audio.delta' || f.type === 'input_audio_buffer.append';
const rows = [compare('all frames', frames), compare('audio frames only', frames.filter(isAudio)), compare('other frames', frames.filter((f) => !isAudio(f)))];
const k = (x: number) => `${(x / 1000).toFixed(1)}k`;
console.log(`\nMedian of ${ROUNDS} interleaved rounds (a = JSON.parse alone, b = decodeServerEvent / decodeClientEvent):`);
console.log(`  ${'frames'.padEnd(18)} ${'events'.padStart(7)} ${'MB'.padStart(6)} | ${'(a) ev/s'.padStart(9)} ${'MB/s'.padStart(6)} | ${'(b) ev/s'.padStart(9)} ${'MB/s'.padStart(6)} | b/a  (per-round range)`);
for (const r of rows) {
  console.log(`  ${r.label.padEnd(18)} ${String(r.n).padStart(7)} ${r.mb.toFixed(1).padStart(6)} | ${k(r.evA).padStart(9)} ${r.mbA.toFixed(0).padStart(6)} | ${k(r.evB).padStart(9)} ${r.mbB.toFixed(0).padStart(6)} | ${r.ratio.toFixed(2)} (${r.spread})`);
}

// Memory: heap before and after decoding the whole stream once, results kept (as a recorder would);
// JSON.parse's results, kept the same way, for reference. Retained sizes mean something only after a GC.
const gc = (globalThis as { gc?: () => void }).gc;
const heap = () => (gc?.(), process.memoryUsage().heapUsed);
function keep(fn: (f: Frame) => unknown) {
  const before = heap(), kept = frames.map(fn);
  return { before, after: heap(), n: kept.length }; // kept is alive during the second heap()
}
const parsed = keep((f) => JSON.parse(f.text));
const decoded = keep(decode);
const mem = (x: { before: number; after: number }) => `${MB(x.before).toFixed(1)} → ${MB(x.after).toFixed(1)} MB (+${MB(x.after - x.before).toFixed(1)})`;
console.log(`\nHeap used, ${gc ? 'after a forced GC' : 'GC NOT forced (run under --expose-gc for retained sizes)'}, all ${decoded.n} frames once, results kept:`);
console.log(`  decode: ${mem(decoded)}   JSON.parse alone: ${mem(parsed)}`);

const all = rows[0]!;
const pass = all.ratio >= BUDGET;
console.log(`\nBudget: decode >= ${BUDGET}x the throughput of JSON.parse alone (all frames): ${all.ratio.toFixed(2)}x ${pass ? 'PASS' : 'FAIL'}`);
if (!pass) process.exitCode = 1;
