/**
 * The browser + sideband deployment end to end: `webrtcSideband.probe.ts` runs the simulator (real
 * HTTP and WebRTC), real server-everything, `serve` and a Node WebRTC browser in a child process
 * inside a loopback-only network namespace, and prints what it saw; this test reads it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { describeRun, loopbackNamespaceProblem, runInLoopbackNamespace } from '../support/loopbackNamespace.js';

const probe = fileURLToPath(new URL('./webrtcSideband.probe.ts', import.meta.url));

type LoggedEvent = {
  channel: string;
  type: string;
  itemType?: string;
  tools?: number;
};

describe('browser over WebRTC + serve on the sideband (simulator, server-everything, @roamhq/wrtc)', () => {
  const problem = loopbackNamespaceProblem();

  it('runs the tool on the server: the MCP token and the OpenAI key never reach the browser, which hears the answer; hanging up ends the session', { timeout: 40_000 }, async (ctx) => {
    if (problem !== undefined) {
      console.warn(`SKIPPED the WebRTC + sideband deployment test: no loopback-only network namespace here (unshare -rn: ${problem}).`);
      ctx.skip();
    }
    const run = await runInLoopbackNamespace(probe, { timeoutMs: 35_000 });
    const result = run.result;
    if (result === undefined) throw new Error(describeRun(run));
    expect(result.error).toBeUndefined();
    expect(run.code).toBe(0);

    // The browser signalled through serve (201 with the SDP answer) and got the simulator's call.
    expect(result.callStatus).toBe(201);
    expect(result.callIdMatches).toBe(true);
    // The user spoke (real audio frames, heard by the simulator's VAD) and the script played through.
    expect((result.microphoneFrames as { speech: number }).speech).toBeGreaterThanOrEqual(50);
    expect(result.script).toEqual({ ok: true, steps: 2 });

    // The real MCP server ran the call, with the token serve holds: its output is in the reply.
    expect(result.mcpAuthorizations).toEqual(['Bearer mcp-test-token-123']);
    expect(result.replyTranscripts).toEqual(['The server said: Echo: deploy check']);
    expect(result.browserHeardTranscripts).toEqual(['The server said: Echo: deploy check']);
    expect(result.toolCallEnded).toEqual(['ok']);

    // The tools, the output and the follow-up went over the sideband; the browser sent nothing.
    const log = result.clientEventLog as LoggedEvent[];
    expect(log.filter((entry) => entry.itemType === 'function_call_output').map((entry) => entry.channel)).toEqual(['sideband']);
    expect(log.filter((entry) => entry.type === 'response.create').map((entry) => entry.channel)).toEqual(['sideband']);
    expect(log.filter((entry) => entry.tools !== undefined).map((entry) => [entry.channel, entry.tools])).toEqual([['sideband', 2]]);
    expect(log.filter((entry) => entry.channel === 'datachannel')).toEqual([]);
    expect(result.browserSent).toEqual([]);

    // Nothing the browser received, sent or was answered holds the OpenAI key or the MCP token.
    expect(result.scanned).toMatchObject({ answers: 1, errors: 0 });
    expect((result.scanned as { frames: number }).frames).toBeGreaterThan(20);
    expect(result.leaks).toEqual([]);
    expect(result.errors).toEqual([]);

    // The browser heard the model: silence until the tool call, the spoken reply after it.
    const heard = result.speakerHeard as Record<string, { samples: number; loud: number }>;
    expect(heard['before the tool call']!.samples).toBeGreaterThan(0);
    expect(heard['before the tool call']!.loud).toBe(0);
    expect(heard['after the tool call']!.loud).toBeGreaterThanOrEqual(2_400);

    // Hanging up ended the call, serve's session (reported on GET /events) and its MCP session.
    expect(result.simCallStatusAfterHangup).toBe('ended');
    expect(result.sessionEnded).toMatchObject({
      reason: 'socket_closed',
      detail: expect.stringMatching(/peer connection closed/),
    });
    expect(result.serveSessionsAfterHangup).toBe(0);
    expect(result.mcpSessionReleased).toBe(true);
  });
});
