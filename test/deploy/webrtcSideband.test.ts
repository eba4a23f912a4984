/**
 * The browser + sideband deployment end to end: `webrtcSideband.probe.ts` runs the simulator (real
 * HTTP and WebRTC), real server-everything, `serve` and a Node WebRTC browser in a child process
 * inside a loopback-only network namespace, and prints what it saw; this test reads it.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runProbe } from '../support/loopbackNamespace.js';

const probe = fileURLToPath(new URL('./webrtcSideband.probe.ts', import.meta.url));

type LoggedEvent = { channel: string; type: string; itemType?: string; tools?: number };

describe('browser over WebRTC + serve on the sideband (simulator, server-everything, @roamhq/wrtc)', () => {

  it(
    'runs the tools on the server only: no key or MCP token reaches the browser, which hears the answer; tools the page offers are replaced by the server\'s and run nothing; hanging up ends the session',
    { timeout: 40_000 },
    async (ctx) => {
      const { result, run } = await runProbe(ctx, 'the WebRTC + sideband deployment test', probe, 35_000);
      expect(result.error).toBeUndefined();
      expect(run.code).toBe(0);

      // The browser signalled through serve (201 with the SDP answer) and got the simulator's call.
      expect(result.callStatus).toBe(201);
      expect(result.callIdMatches).toBe(true);
      // The user spoke twice (real audio frames, heard by the simulator's VAD) and the script played through.
      expect((result.microphoneFrames as { speech: number }).speech).toBeGreaterThanOrEqual(50);
      expect(result.script).toEqual({ ok: true, steps: 4 });

      // The real MCP server ran the echo, with the token serve holds: its output is in the reply.
      expect(result.mcpAuthorizations).toEqual(['Bearer mcp-test-token-123']);
      expect(result.mcpToolCalls).toEqual(['echo']);
      expect((result.replyTranscripts as string[])[0]).toBe('The server said: Echo: deploy check');
      expect((result.browserHeardTranscripts as string[])[0]).toBe('The server said: Echo: deploy check');

      // The page offered a tool of its own: serve put its tools back at once and warned its operator.
      expect(result.pageUpdateSent).toBe(true);
      expect(result.toolsAfterPageUpdate).toEqual(['forged_tool']);
      expect(result.toolsRestored).toEqual(['echo', 'get-sum']);
      expect(result.warnings).toEqual([
        expect.objectContaining({ code: 'session_tools_overridden', data: { added: ['forged_tool'], removed: ['echo', 'get-sum'], changed: [], restored: true } }),
      ]);
      // The model called the page's tool all the same (a scripted model can): serve ran nothing and said so.
      expect(JSON.parse(result.forgedOutput as string)).toMatchObject({ error: { code: 'unknown_tool' } });
      expect(result.toolCallEnded).toEqual([
        ['echo', 'ok'],
        ['forged_tool', 'unknown_tool'],
      ]);

      // The tools (again after the page's update), both outputs and both follow-ups went over the sideband; the page sent only its own update.
      const log = result.clientEventLog as LoggedEvent[];
      expect(log.map((entry) => [entry.channel, entry.type, entry.itemType ?? entry.tools])).toEqual([
        ['sideband', 'session.update', 2],
        ['sideband', 'conversation.item.create', 'function_call_output'],
        ['sideband', 'response.create', undefined],
        ['datachannel', 'session.update', 1],
        ['sideband', 'session.update', 2],
        ['sideband', 'conversation.item.create', 'function_call_output'],
        ['sideband', 'response.create', undefined],
      ]);
      expect((result.browserSent as string[]).map((text) => JSON.parse(text).type)).toEqual(['session.update']);

      // Nothing the browser received, sent or was answered holds the OpenAI key or the MCP token.
      expect(result.scanned).toMatchObject({ answers: 1, errors: 0 });
      expect((result.scanned as { frames: number }).frames).toBeGreaterThan(40);
      expect(result.leaks).toEqual([]);
      // Nor does what serve keeps for its operator: its log and the session's GET /events stream.
      expect((result.operatorScanned as { events: number }).events).toBeGreaterThan(10);
      expect(result.operatorLeaks).toEqual([]);
      expect(result.errors).toEqual([]);

      // The browser heard the model: silence until the tool call, the spoken reply after it.
      const heard = result.speakerHeard as Record<string, { samples: number; loud: number }>;
      expect(heard['before the tool call']!.samples).toBeGreaterThan(0);
      expect(heard['before the tool call']!.loud).toBe(0);
      expect(heard['after the tool call']!.loud).toBeGreaterThanOrEqual(2_400);

      // Hanging up ended the call, serve's session (reported on GET /events) and its MCP session.
      expect(result.simCallStatusAfterHangup).toBe('ended');
      expect(result.sessionEnded).toMatchObject({ reason: 'socket_closed', detail: expect.stringMatching(/peer connection closed/) });
      expect(result.serveSessionsAfterHangup).toBe(0);
      expect(result.mcpSessionReleased).toBe(true);

      // The README's recipe (exchangeSdp posting JSON to /call) attaches serve the same way, and ends the same way.
      expect(result.recipe).toEqual({ status: 201, sidebands: 1, sessionLive: true, ended: 'socket_closed', serveSessionsAfter: 0, leaks: [] });
    },
  );
});
