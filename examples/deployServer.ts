// On your server, without `serve`: create the call from the page's offer (the unified interface),
// then attach the proxy to it over the sideband. The MCP token and the OpenAI key stay here.
import { createCall } from 'realtime-mcp-proxy';
import { createNodeRealtimeMcpProxy } from 'realtime-mcp-proxy/node';

export async function answerOffer(offerSdp: string): Promise<{ sdp: string; callId: string }> {
  const apiKey = process.env.OPENAI_API_KEY!;
  const { sdp, callId } = await createCall({ apiKey, sdp: offerSdp, session: { model: 'gpt-realtime', instructions: 'You are a helpful voice agent.' } });
  const proxy = createNodeRealtimeMcpProxy({
    apiKey,
    sideband: { callId }, // wss://api.openai.com/v1/realtime?call_id=rtc_…: same events, tools run here
    servers: [{ label: 'weather', url: 'https://mcp.example.com/mcp', token: process.env.WEATHER_MCP_TOKEN! }],
  });
  await proxy.start(); // lists the tools and sends them in session.update over the sideband
  void proxy.ended.then((end) => console.log(`call ${callId} ended: ${end.reason}`)); // MCP sessions are closed by then
  return { sdp, callId }; // the page sets this answer as its remote description
}
