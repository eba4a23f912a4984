/**
 * The ephemeral-key deployment end to end: `ephemeralKey.probe.ts` runs the simulator, real
 * server-everything, `serve` and a Node WebRTC browser that connects to the simulator itself with
 * serve's `ek_` key, in a child process inside a loopback-only network namespace; this test reads
 * what it printed.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProbe } from '../support/loopbackNamespace.js';

const probe = fileURLToPath(new URL('./ephemeralKey.probe.ts', import.meta.url));

type LoggedEvent = { channel: string; type: string; itemType?: string; tools?: number };

describe('browser with an ephemeral key + serve attaching the sideband (simulator, server-everything, @roamhq/wrtc)', () => {

  it(
    'mints an ek_ for the configured session, the browser calls the simulator with it, serve attaches and runs the tool; an expired ek_ starts no call; the standard key never reaches the browser',
    { timeout: 40_000 },
    async (ctx) => {
      const { result, run } = await runProbe(ctx, 'the ephemeral-key deployment test', probe, 35_000);
      expect(result.error).toBeUndefined();
      expect(run.code).toBe(0);

      // POST /session: an ek_ from the simulator, with serve's TTL; the call starts with serve's tools.
      expect(result.sessionStatus).toBe(201);
      expect(result.clientSecretShape).toBe(true);
      expect(result.expiresInSeconds).toBeGreaterThanOrEqual(59);
      expect(result.expiresInSeconds).toBeLessThanOrEqual(61);
      expect(result.callStartedWithTools).toEqual(['echo', 'get-sum']);

      // POST /sessions/:id/attach with the browser's call id: serve's sideband is on the call.
      expect(result.attach).toMatchObject({ status: 200, body: { state: 'live' } });
      expect(result.sidebandsAttached).toBe(1);

      // The tool ran on the server and its output and the follow-up went over the sideband.
      expect(result.script).toEqual({ ok: true, steps: 2 });
      expect(result.replyTranscripts).toEqual(['The server said: Echo: deploy check']);
      expect(result.browserHeardTranscripts).toEqual(['The server said: Echo: deploy check']);
      expect(result.toolCallEnded).toEqual(['ok']);
      const log = result.clientEventLog as LoggedEvent[];
      expect(log.map((entry) => [entry.channel, entry.type, entry.itemType ?? entry.tools])).toEqual([
        ['sideband', 'session.update', 2],
        ['sideband', 'conversation.item.create', 'function_call_output'],
        ['sideband', 'response.create', undefined],
      ]);
      expect(result.browserSent).toEqual([]);
      const heard = result.speakerHeard as Record<string, { samples: number; loud: number }>;
      expect(heard['before the tool call']!.loud).toBe(0);
      expect(heard['after the tool call']!.loud).toBeGreaterThanOrEqual(2_400);

      // Past expires_at the same key starts no call (401 from the simulator); the first call went on.
      expect(result.expiredAnswerStatus).toBe(401);
      expect(result.expiredRefusal).toMatchObject({ code: 'connect_failed', message: expect.stringMatching(/401 \(invalid_api_key\): The client secret has expired/) });
      expect(result.callsAfterExpiredAttempt).toBe(1);
      expect(result.firstCallStatusAfterExpiry).toBe('active');

      // Every answer the browser got (serve's and the simulator's), every frame and error: no standard key, no MCP token.
      expect(result.answersSeen).toEqual([expect.stringMatching(/^201 \/session$/), '201 /v1/realtime/calls', expect.stringMatching(/^200 \/sessions\/s_[\w-]+\/attach$/), '401 /v1/realtime/calls']);
      expect(result.scanned).toMatchObject({ answers: 4, errors: 0 });
      expect(result.leaks).toEqual([]);
      // Nor does what serve keeps for its operator (its log, the session's GET /events stream), not even the ek_.
      expect((result.operatorScanned as { events: number }).events).toBeGreaterThan(10);
      expect(result.operatorLeaks).toEqual([]);

      // The browser hung up: serve's session ended.
      expect(result.sessionEnded).toMatchObject({ reason: 'socket_closed' });
      expect(result.serveSessionsAfterHangup).toBe(0);
    },
  );
});
