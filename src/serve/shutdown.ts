/**
 * A graceful stop for `serve`: stop accepting (the listening socket closes, idle keep-alive
 * connections go, new sessions and calls get 503), let the tool calls in flight finish — their
 * output and the follow-up `response.create` sent — within a deadline, then close every session
 * (calls aborted past the deadline, approvals denied, MCP sessions closed, calls hung up) and the
 * connections left (event streams).
 */
import type { Server } from 'node:http';
import type { ServeApp } from './app.js';

export interface ShutdownResult {
  /** Every call in flight finished before the deadline. */
  finished: boolean;
  /** Calls still in flight when the sessions were closed. */
  abandonedCalls: number;
}

/** Resolves once no session has a tool call in flight, or after `deadlineMs`; says which. */
export async function waitForCalls(app: Pick<ServeApp, 'sessions'>, deadlineMs: number): Promise<ShutdownResult> {
  const inFlight = () => app.sessions.all().reduce((sum, session) => sum + session.inFlightCalls, 0);
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'deadline'>((resolve) => (timer = setTimeout(() => resolve('deadline'), deadlineMs)));
  // A call may start while another finishes: wait until a pass finds none.
  const idle = (async () => {
    while (inFlight() > 0) await Promise.all(app.sessions.all().map((session) => session.whenIdle()));
    return 'idle' as const;
  })();
  const outcome = await Promise.race([idle, deadline]);
  clearTimeout(timer);
  return { finished: outcome === 'idle', abandonedCalls: outcome === 'idle' ? 0 : inFlight() };
}

export async function gracefulShutdown(server: Server, app: ServeApp, deadlineMs: number): Promise<ShutdownResult> {
  app.drain();
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  const result = await waitForCalls(app, deadlineMs);
  await app.close({ hangup: true });
  // What is left: event streams of ended sessions that have not noticed, keep-alive connections.
  server.closeAllConnections();
  await closed;
  return result;
}
