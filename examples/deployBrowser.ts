// In the page: the microphone and the speaker over WebRTC. The SDP offer goes to your server
// (here `realtime-mcp-proxy serve`'s POST /call), which creates the call with the OpenAI key and
// attaches to it over the sideband: the page never holds a key and never runs a tool.
import { createWebRtcTransport } from 'realtime-mcp-proxy';

declare const serveUrl: string; // e.g. https://voice.example.com (serve, behind your TLS and user auth)
declare const accessToken: string; // serve's access token, or whatever your own auth in front of it wants

let sessionId: string | undefined; // for GET /events?session= and POST /approvals/:id
const transport = createWebRtcTransport({
  async exchangeSdp(offer, { signal }) {
    const answer = await fetch(`${serveUrl}/call`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sdp: offer }),
      signal,
    });
    if (!answer.ok) throw new Error(`serve refused the call: ${answer.status}`);
    const body = (await answer.json()) as { sdp: string; callId: string; sessionId: string };
    sessionId = body.sessionId;
    return { sdp: body.sdp, callId: body.callId };
  },
  // The default asks for the microphone (getUserMedia) and plays the model through an <audio> element.
});

transport.on('event', (event) => {
  if (event.type === 'response.output_audio_transcript.done') console.log('model:', event.transcript);
});
await transport.connect();
console.log('call', transport.callId, 'session', sessionId);
transport.mute(true); // and mute(false); close() hangs up
await transport.close();
