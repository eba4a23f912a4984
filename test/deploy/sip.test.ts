/**
 * The phone deployment end to end: the simulator rings a SIP call and POSTs a signed
 * `realtime.call.incoming` webhook to serve, which verifies it, accepts the call with the session
 * config and attaches the sideband; the scripted tool call runs on real server-everything (stdio)
 * and its output goes back over the sideband. A bad signature or a stale timestamp is refused and
 * the call never accepted. No WebRTC: all on 127.0.0.1 in this process.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { startRealtimeSimulator, type RealtimeSimulator } from '../../harness/simulator/index.js';
import { startServe, type RunningServe } from '../../src/serve/startServe.js';
import type { ServeLogEntry } from '../../src/serve/serveOptions.js';
import { waitFor } from '../e2e/support.js';
import { leaksIn } from '../faults/secretScan.js';
import { serverScripts } from '../support/mcpServers.js';
import { followEvents, payload } from '../support/serveHarness.js';

const API_KEY = 'sk-test-key';
const ACCESS_TOKEN = 'deploy-access-token-0001';
const WEBHOOK_SECRET = `whsec_${Buffer.from('deploy-e2e-webhook-secret').toString('base64')}`;

interface Phone {
  sim: RealtimeSimulator;
  serve: RunningServe;
  logs: ServeLogEntry[];
  webhookUrl: string;
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function startPhone(): Promise<Phone> {
  const sim = await startRealtimeSimulator({
    apiKey: API_KEY,
    script: [
      { user: 'What is 2 plus 40?' },
      {
        callTool: {
          name: 'get-sum',
          arguments: { a: 2, b: 40 },
          reply: 'Here is the sum: {output}',
        },
      },
    ],
  });
  cleanups.push(() => sim.close());
  const logs: ServeLogEntry[] = [];
  const serve = await startServe({
    apiKey: API_KEY,
    port: 0,
    accessToken: ACCESS_TOKEN,
    openaiBaseUrl: `${sim.httpUrl}/v1`,
    webhook: { secret: WEBHOOK_SECRET },
    servers: [
      {
        label: 'everything',
        command: process.execPath,
        args: [serverScripts.everything, 'stdio'],
      },
    ],
    allowedTools: ['everything/get-sum'],
    log: (entry) => void logs.push(entry),
  });
  cleanups.push(() => serve.close({ deadlineMs: 1_000 }));
  return { sim, serve, logs, webhookUrl: `${serve.url}/webhooks/openai` };
}

const callOf = (sim: RealtimeSimulator, callId: string) => sim.calls.find((call) => call.id === callId);

describe('a phone call over SIP, through serve (simulator webhooks, server-everything over stdio)', () => {
  it('verifies the signed webhook, accepts with the tools, runs the call on the MCP server over the sideband; the caller hanging up ends the session', { timeout: 30_000 }, async () => {
    const { sim, serve, logs, webhookUrl } = await startPhone();
    const placed = await sim.placeSipCall({
      webhookUrl,
      webhookSecret: WEBHOOK_SECRET,
      from: 'sip:+15550123@carrier.example.com',
    });
    expect(placed.webhook).toMatchObject({ response: { status: 200 } });
    const answer = JSON.parse((placed.webhook as { response: { body: string } }).response.body) as { accepted: boolean; sessionId: string };
    expect(answer.accepted).toBe(true);
    const ended = followEvents(serve.url, answer.sessionId, (event) => event.event === 'session.ended', { token: ACCESS_TOKEN, signal: AbortSignal.timeout(20_000) });

    expect(await sim.done).toEqual({ ok: true, steps: 2 });
    const call = callOf(sim, placed.callId)!;
    expect([call.kind, call.status, call.sidebands]).toEqual(['sip', 'active', 1]);
    const session = sim.sessions[call.sessionIndex!]!;
    expect(session.media).toBe('sip');
    // Accepted with the session config: the call's session started with serve's tools.
    const created = session.serverEvents.find((event) => event.type === 'session.created') as { session: { tools?: Array<{ name: string }> } } | undefined;
    expect(created?.session.tools?.map((tool) => tool.name)).toEqual(['get-sum']);
    // Every client event came over the sideband: the tools, the MCP server's output, the follow-up.
    expect(session.clientEventLog.map(({ channel, event }) => [channel, event.type])).toEqual([
      ['sideband', 'session.update'],
      ['sideband', 'conversation.item.create'],
      ['sideband', 'response.create'],
    ]);
    const output = session.clientEvents.find((event) => event.type === 'conversation.item.create') as { item: { type: string; output: string } };
    expect(output.item.type).toBe('function_call_output');
    expect(output.item.output).toContain('The sum of 2 and 40 is 42.');
    const transcripts = session.serverEvents.flatMap((event) => (event.type === 'response.output_audio_transcript.done' ? [(event as { transcript: string }).transcript] : []));
    expect(transcripts.at(-1)).toMatch(/^Here is the sum: .*The sum of 2 and 40 is 42\./);

    // The caller hangs up: the sideband closes, serve's session ends and leaves the registry.
    const hangup = await fetch(`${sim.httpUrl}/v1/realtime/calls/${placed.callId}/hangup`, { method: 'POST', headers: { authorization: `Bearer ${API_KEY}` } });
    expect(hangup.status).toBe(200);
    const events = await ended;
    expect(events.filter((event) => event.event === 'toolCall.ended').map((event) => payload(event).data.code)).toEqual(['ok']);
    expect(payload(events.at(-1)!).data).toMatchObject({
      reason: 'socket_closed',
      detail: expect.stringMatching(/hung up/),
    });
    expect(serve.app.sessions.size).toBe(0);

    // Neither the key nor the webhook secret in serve's answer or its log.
    const texts = [['webhook answer', JSON.stringify(placed.webhook)] as const, ...logs.map((entry, i) => [`log ${i}`, entry.message] as const)];
    expect(leaksIn(texts, [API_KEY, WEBHOOK_SECRET, WEBHOOK_SECRET.slice('whsec_'.length)])).toEqual([]);
  });

  it.each([
    ['a bad signature', { badSignature: true }, /no signature in its webhook-signature header matches the body/],
    ['a stale timestamp', { timestampOffsetSeconds: -600 }, /its timestamp is 60\d s in the past, beyond the tolerance of 300 s/],
  ])('refuses %s with 400: the call is never accepted and rings out', async (_, tampering, why) => {
    const { sim, serve, logs, webhookUrl } = await startPhone();
    const placed = await sim.placeSipCall({
      webhookUrl,
      webhookSecret: WEBHOOK_SECRET,
      acceptTimeoutMs: 300,
      ...tampering,
    });
    expect(placed.webhook).toMatchObject({ response: { status: 400 } });
    expect(JSON.parse((placed.webhook as { response: { body: string } }).response.body)).toMatchObject({ error: { code: 'webhook_invalid' } });
    const call = await waitFor(() => (callOf(sim, placed.callId)?.status === 'expired' ? callOf(sim, placed.callId) : undefined), 'the refused call to ring out', 5_000);
    expect([call.status, call.sessionIndex, call.sidebands]).toEqual(['expired', undefined, 0]);
    expect(sim.sessions).toHaveLength(0);
    expect(serve.app.sessions.size).toBe(0);
    // Why, in serve's log only: the answer says no more than "invalid".
    expect(logs.filter((entry) => entry.message.startsWith('Refused a webhook')).map((entry) => [entry.level, why.test(entry.message)])).toEqual([['warn', true]]);
  });
});
