/**
 * How a server answers a session it does not know, which is what the proxy sees after the server
 * restarts: `doctor` sends one `ping` with a made-up `Mcp-Session-Id` and reads the answer. A 404
 * is the spec; a 400 whose body speaks of the session is recognised (the proxy re-initializes
 * either way); anything else cannot be told apart from a real failure, and every call would fail
 * after a restart until the proxy reconnects.
 */
import type { FetchLike } from '../mcp/transports.js';
import { isStaleSessionAnswer } from '../mcp/staleSession.js';
import type { Problem } from './doctorExplain.js';

export type StaleSessionVerdict =
  /** 404, as the spec says. */
  | 'spec'
  /** A 400 whose body the proxy recognises as "unknown session". */
  | 'recognised'
  /** The made-up session was accepted: the server does not check sessions, a restart loses nothing. */
  | 'not-checked'
  /** Something the proxy cannot tell from a real failure. */
  | 'unrecognised'
  /** The probe itself failed (credentials refused, network): nothing to tell. */
  | 'unknown';

export interface StaleSessionProbe {
  verdict: StaleSessionVerdict;
  status?: number;
  /** One line for the report. */
  summary: string;
  problem?: Problem;
}

export interface StaleSessionProbeOptions {
  url: string;
  fetch: FetchLike;
  /** Sent as they are (credentials included): a server may check them before the session. */
  headers: Record<string, string>;
  protocolVersion?: string;
  timeoutMs: number;
}

/** A session id no server issued: "doctor-" and a random UUID. */
export function madeUpSessionId(): string {
  return `doctor-stale-session-probe-${crypto.randomUUID()}`;
}

export async function probeStaleSession(options: StaleSessionProbeOptions): Promise<StaleSessionProbe> {
  const headers = new Headers(options.headers);
  headers.set('content-type', 'application/json');
  headers.set('accept', 'application/json, text/event-stream');
  headers.set('mcp-session-id', madeUpSessionId());
  if (options.protocolVersion) headers.set('mcp-protocol-version', options.protocolVersion);
  let status: number;
  let body: string;
  try {
    const response = await options.fetch(options.url, {
      method: 'POST',
      headers,
      body: JSON.stringify({ jsonrpc: '2.0', id: 'doctor-stale-session-probe', method: 'ping' }),
      signal: AbortSignal.timeout(options.timeoutMs),
    });
    status = response.status;
    // A server that accepts the session may answer with a stream that stays open: its status is enough.
    body = response.ok ? '' : (await response.text()).slice(0, 2_000);
    if (response.ok) await response.body?.cancel().catch(() => undefined);
  } catch (error) {
    const why = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
    return { verdict: 'unknown', summary: `not checked (the probe failed: ${why})` };
  }
  return judge(status, body);
}

/** What an answer to the made-up session means for a restart. */
export function judge(status: number, body: string): StaleSessionProbe {
  const quoted = quote(body);
  if (status === 404) return { verdict: 'spec', status, summary: 'an unknown session gets 404 (the spec): after a restart the proxy starts a new session by itself' };
  if (isStaleSessionAnswer(status, body)) {
    return {
      verdict: 'recognised',
      status,
      summary: `an unknown session gets 400 ${quoted}: recognised, the proxy starts a new session after a restart`,
      problem: {
        level: 'note',
        topic: 'restart',
        message: `The server answers an unknown session with HTTP 400 ${quoted} instead of the spec's 404. The proxy recognises it and starts a new session after the server restarts (treatNoValidSessionAsExpired: false would turn that off).`,
      },
    };
  }
  if (status >= 200 && status < 300) {
    return { verdict: 'not-checked', status, summary: `a made-up session was accepted (HTTP ${status}): the server does not check sessions, a restart loses nothing` };
  }
  if (status === 401 || status === 403) {
    return { verdict: 'unknown', status, summary: `not known: the server refused the probe's credentials first (HTTP ${status})` };
  }
  return {
    verdict: 'unrecognised',
    status,
    summary: `an unknown session gets HTTP ${status}${quoted ? ` ${quoted}` : ''}: not recognised as a stale session`,
    problem: {
      level: 'warning',
      topic: 'restart',
      message: `The server answers an unknown session with HTTP ${status}${quoted ? ` ${quoted}` : ''}, which the proxy cannot tell from a real failure: after the server restarts, each call fails until the proxy reconnects. Please make the server answer an unknown session with 404 (as the MCP spec says), or with a 400 that says "invalid session" or "session not found".`,
    },
  };
}

function quote(body: string): string {
  // The JSON-RPC error's message says it best; otherwise the start of the body.
  let text = body.trim();
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown }; message?: unknown };
    const message = parsed.error?.message ?? parsed.message;
    if (typeof message === 'string') text = message;
  } catch {
    // not JSON: quoted as it is
  }
  text = text.replace(/\s+/g, ' ');
  if (text === '') return '';
  return JSON.stringify(text.length > 100 ? `${text.slice(0, 100)}…` : text);
}
