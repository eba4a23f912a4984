import { createNodeRealtimeMcpProxy } from 'realtime-mcp-proxy/node';

const proxy = createNodeRealtimeMcpProxy({
  apiKey: process.env.OPENAI_API_KEY,
  servers: [{ label: 'docs', url: 'https://mcp.example.com/mcp', token: process.env.DOCS_TOKEN }],
  instructions: 'You are a helpful voice assistant.',
});
await proxy.start(); // from here on every method works (before, they return not_open)

// The microphone: 24 kHz mono PCM16, in chunks of 20–100 ms.
microphone.onChunk((pcm16) => proxy.sendAudio(pcm16));
// The speaker: the model's audio, and how much of it was played.
proxy.on('realtime.audio', (event) => {
  if (event.type === 'response.output_audio.delta') speaker.play(event.delta);
});
// The user talks over the model (server VAD): stop playing, and drop what was not heard.
proxy.on('realtime.event', (event) => {
  if (event.type === 'input_audio_buffer.speech_started') proxy.interrupt({ audioEndMs: speaker.stop() });
});

// A typed message, answered by voice once no response is running.
const sent = proxy.sendText('What changed in the docs this week?');
if (!sent.ok) console.error(sent.error.code, sent.error.message);

// Mid-session: a later catalog change (list_changed) sends only the tools, never reverting this.
proxy.updateSession({ instructions: 'Answer in French.', audio: { output: { speed: 1.1 } } });

declare const microphone: { onChunk(listener: (pcm16: Int16Array) => void): void };
/** `stop()` returns the milliseconds of the current reply that were played. */
declare const speaker: { play(base64: string): void; stop(): number };
