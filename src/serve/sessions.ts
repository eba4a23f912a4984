/**
 * The live sessions of `serve`, by a server-made random id (never one from the wire), in a Map;
 * approvals routed by approval id to the session that asked. A session is `pending` (an ephemeral
 * key was handed out, the browser has not told us its call id yet), `attaching` (the sideband is
 * opening and the tools are being listed), `live`, then `ended`. Each keeps its event log (the
 * proxy's events, redacted) and knows which tool calls are in flight, so a shutdown can wait for
 * them.
 */
import { randomBytes } from 'node:crypto';
import { ProxyError } from '../errors.js';
import type { RealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import { isAudioEvent, type ProxyEvents } from '../proxy/options.js';
import type { DecodedServerEvent } from '../protocol/index.js';
import type { Redactor } from '../redaction/index.js';
import { SessionEventLog, type SessionEventLogOptions } from './events.js';
import { ServeHttpError } from './httpErrors.js';
import type { SessionRecording } from './sessionRecording.js';
import type { ApprovalAnswerBody } from './requests.js';

/** How the session began: an ephemeral key (`POST /session`), the unified SDP exchange (`POST /call`), or a phone call (SIP webhook). */
export type ServeSessionKind = 'client_secret' | 'call' | 'sip' | 'replay';
export type ServeSessionState = 'pending' | 'attaching' | 'live' | 'ended';

export const DEFAULT_MAX_SESSIONS = 20;
/**
 * Ended sessions kept for their events and recording: the page reads a call's recording after
 * hanging up, and a fast replay can end before the page subscribes. The newest 20, each for at most
 * 15 minutes: bounded memory, whoever asks late gets a 404.
 */
export const KEPT_ENDED_SESSIONS = 20;
export const KEPT_ENDED_MS = 15 * 60_000;

/**
 * The proxy events a session's stream carries: everything but audio — the decoded server events
 * (`realtime.event`; audio deltas go to `realtime.audio`, not forwarded) and the client events the
 * proxy sent (`realtime.sent`, redacted, appended audio elided by the proxy). The session's end is
 * told by the session itself (`session.ended`, with serve's reason).
 */
const FORWARDED = [
  'realtime.event',
  'realtime.sent',
  'session.ready',
  'warning',
  'error',
  'toolCall.started',
  'toolCall.progress',
  'toolCall.ended',
  'approval.requested',
  'approval.settled',
  'response.requested',
  'realtime.error',
  'catalog.changed',
  'catalog.toolDropped',
  'inspect',
] as const satisfies ReadonlyArray<keyof ProxyEvents>;

export interface ServeSessionOptions {
  readonly id: string;
  readonly kind: ServeSessionKind;
  readonly redactor: Redactor;
  /** Builds the sideband proxy for the call id once it is known. */
  readonly createProxy: (callId: string) => RealtimeMcpProxy;
  readonly events?: SessionEventLogOptions;
  /** Told when an approval starts and ends (the registry routes answers by approval id). */
  readonly onApproval?: (approvalId: string, open: boolean) => void;
  /** Told once, when the session ended (removed from the registry). */
  readonly onEnded?: (session: ServeSession) => void;
  /** Its recording, with `recordSessions`. */
  readonly recording?: SessionRecording;
}

export class ServeSession {
  readonly id: string;
  readonly kind: ServeSessionKind;
  readonly createdAt = Date.now();
  readonly events: SessionEventLog;
  readonly redactor: Redactor;
  /** With `recordSessions`: what the session's recorder wrote. */
  readonly recording: SessionRecording | undefined;
  readonly #options: ServeSessionOptions;
  #state: ServeSessionState = 'pending';
  #callId: string | undefined;
  #proxy: RealtimeMcpProxy | undefined;
  readonly #inFlight = new Set<string>();
  #idle: Array<() => void> = [];
  readonly #openApprovals = new Set<string>();
  /** Why serve closed the session, when it did (the proxy then reports `closed_by_host`). */
  #closeReason: string | undefined;

  constructor(options: ServeSessionOptions) {
    this.id = options.id;
    this.kind = options.kind;
    this.redactor = options.redactor;
    this.recording = options.recording;
    this.events = new SessionEventLog(options.events);
    this.#options = options;
    this.events.push('session.created', { sessionId: this.id, kind: this.kind });
  }

  get state(): ServeSessionState {
    return this.#state;
  }

  get callId(): string | undefined {
    return this.#callId;
  }

  /** Tool calls started and not yet reported ended (their output and the follow-up not sent yet). */
  get inFlightCalls(): number {
    return this.#inFlight.size;
  }

  /** Resolves once no tool call is in flight. */
  whenIdle(): Promise<void> {
    if (this.#inFlight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  /**
   * Attaches the sideband to the call and starts the proxy (the tools listed, the socket open).
   * Refused unless pending; a start that fails ends the session and rethrows.
   */
  async attach(callId: string): Promise<void> {
    if (this.#state !== 'pending') {
      throw new ServeHttpError(409, 'session_not_pending', `Failed to attach session ${this.id}: it is ${this.#state}, not pending. Please create a new session.`);
    }
    this.#state = 'attaching';
    this.#callId = callId;
    let proxy: RealtimeMcpProxy;
    try {
      proxy = this.#options.createProxy(callId);
    } catch (error) {
      this.#finish({ reason: 'internal_error', detail: 'the proxy could not be created' });
      throw error;
    }
    this.#proxy = proxy;
    this.#follow(proxy);
    this.events.push('session.attached', { sessionId: this.id, callId });
    void proxy.ended.then((end) => this.#finish(end));
    try {
      await proxy.start();
    } catch (error) {
      await proxy.close().catch(() => undefined);
      this.#finish({ reason: 'start_failed', detail: ProxyError.isInstance(error) ? error.code : 'error' });
      throw error;
    }
    if (this.#state === 'attaching') this.#state = 'live';
  }

  /** Answers one of this session's approvals; false when it has none open by that id. */
  answer(approvalId: string, answer: ApprovalAnswerBody): boolean {
    const proxy = this.#proxy;
    if (proxy === undefined || !this.#openApprovals.has(approvalId)) return false;
    const options = answer.sticky ? { sticky: true } : {};
    return answer.approved ? proxy.approve(approvalId, options) : proxy.deny(approvalId, answer.reason, options);
  }

  /** Ends the session: the proxy (calls aborted, approvals denied, MCP sessions closed), then the event stream. */
  async close(reason = 'closed_by_server'): Promise<void> {
    if (this.#state === 'ended') return;
    this.#closeReason ??= reason;
    const proxy = this.#proxy;
    if (proxy) await proxy.close().catch(() => undefined);
    this.#finish({ reason });
  }

  /**
   * Follows a proxy that serve did not attach (a replay's): its events go to this session's log, its
   * end ends the session. Refused unless pending.
   */
  adopt(proxy: RealtimeMcpProxy, options: { endWithProxy?: boolean } = {}): void {
    if (this.#state !== 'pending') throw new ServeHttpError(409, 'session_not_pending', `Failed to follow a proxy in session ${this.id}: it is ${this.#state}, not pending. Please create a new session.`);
    this.#state = 'live';
    this.#proxy = proxy;
    this.#follow(proxy);
    // A replay ends its session itself, once it told the replay's result.
    if (options.endWithProxy !== false) void proxy.ended.then((end) => this.#finish(end));
  }

  /**
   * Replaces the tools the session may call (`"server/tool"` keys) through the proxy: the session is
   * updated, calls to tools no longer allowed are refused. 409 unless live; 400 with the proxy's
   * words for keys that name no listed tool.
   */
  setAllowedTools(allowed: readonly string[]): string[] {
    const proxy = this.#proxy;
    if (proxy === undefined || this.#state !== 'live') {
      throw new ServeHttpError(409, 'session_not_live', `Failed to change the tools of session ${this.id}: it is ${this.#state}, not live. Please change tools once the call is attached (or pick them in POST /session).`);
    }
    const result = proxy.setAllowedTools([...allowed]);
    if (!result.ok) throw new ServeHttpError(400, 'invalid_request', this.redactor.text(result.error.message));
    return proxy.snapshot().tools;
  }

  #follow(proxy: RealtimeMcpProxy): void {
    for (const name of FORWARDED) {
      proxy.on(name, (...args: unknown[]) => {
        const payload = args[0];
        if (name === 'realtime.event' && isAudioEvent(payload as DecodedServerEvent)) return;
        if (name === 'toolCall.started') this.#inFlight.add((payload as { callId: string }).callId);
        if (name === 'toolCall.ended') this.#callEnded((payload as { callId: string }).callId);
        if (name === 'approval.requested') this.#approval((payload as { approvalId: string }).approvalId, true);
        if (name === 'approval.settled') this.#approval((payload as { approvalId: string }).approvalId, false);
        this.events.push(name, this.#shown(name, payload));
      });
    }
  }

  /** An event's data as the stream shows it: redacted; errors as { code, message }; a catalog diff as names. */
  #shown(name: string, payload: unknown): unknown {
    if (name === 'error' && ProxyError.isInstance(payload)) {
      const error = this.redactor.error(payload);
      return { code: error.code, message: error.message };
    }
    if (name === 'catalog.changed') {
      const diff = payload as { server: string; added: Array<{ functionName: string }>; removed: Array<{ functionName: string }>; changed: Array<{ functionName: string }> };
      const names = (tools: Array<{ functionName: string }>) => tools.map((tool) => tool.functionName);
      return { server: diff.server, added: names(diff.added), removed: names(diff.removed), changed: names(diff.changed) };
    }
    return this.redactor.value(payload);
  }

  #callEnded(callId: string): void {
    this.#inFlight.delete(callId);
    if (this.#inFlight.size > 0) return;
    for (const resolve of this.#idle.splice(0)) resolve();
  }

  #approval(approvalId: string, open: boolean): void {
    if (open) this.#openApprovals.add(approvalId);
    else this.#openApprovals.delete(approvalId);
    this.#options.onApproval?.(approvalId, open);
  }

  #finish(end: { reason: string; [key: string]: unknown }): void {
    if (this.#state === 'ended') return;
    this.#state = 'ended';
    for (const approvalId of this.#openApprovals) this.#options.onApproval?.(approvalId, false);
    this.#openApprovals.clear();
    // Nothing runs any more: whoever waits for the calls need not wait.
    this.#inFlight.clear();
    for (const resolve of this.#idle.splice(0)) resolve();
    const shown = this.#closeReason !== undefined && end.reason !== this.#closeReason ? { ...end, reason: this.#closeReason, proxyReason: end.reason } : end;
    this.events.push('session.ended', this.redactor.value({ sessionId: this.id, ...shown }));
    this.events.end();
    this.#options.onEnded?.(this);
  }
}

export interface SessionRegistryOptions {
  /** Pending, attaching and live sessions together. Default 20. */
  maxSessions?: number;
  events?: SessionEventLogOptions;
}

export class SessionRegistry {
  readonly #sessions = new Map<string, ServeSession>();
  /** Ended sessions, oldest first (see KEPT_ENDED_SESSIONS), with when each ended. */
  readonly #ended = new Map<string, { session: ServeSession; at: number }>();
  readonly #approvals = new Map<string, ServeSession>();
  readonly #timers = new Map<ServeSession, NodeJS.Timeout>();
  readonly #max: number;
  readonly #events: SessionEventLogOptions | undefined;

  constructor(options: SessionRegistryOptions = {}) {
    this.#max = options.maxSessions ?? DEFAULT_MAX_SESSIONS;
    this.#events = options.events;
  }

  get size(): number {
    return this.#sessions.size;
  }

  /**
   * A new pending session, or 503 when `maxSessions` are open. `pendingTtlMs`: a session still
   * pending after this long is closed (its ephemeral key expired unused).
   */
  create(kind: ServeSessionKind, options: { redactor: Redactor; createProxy: (callId: string) => RealtimeMcpProxy; pendingTtlMs?: number; onEnded?: (session: ServeSession) => void; recording?: SessionRecording }): ServeSession {
    if (this.#sessions.size >= this.#max) {
      throw new ServeHttpError(503, 'too_many_sessions', `Failed to start a session: ${this.#max} sessions are open, the most this server runs at once. Please try again when one ends.`, { 'Retry-After': '5' });
    }
    let id = newSessionId();
    while (this.#sessions.has(id)) id = newSessionId();
    const session = new ServeSession({
      id,
      kind,
      redactor: options.redactor,
      createProxy: options.createProxy,
      ...(options.recording ? { recording: options.recording } : {}),
      ...(this.#events ? { events: this.#events } : {}),
      onApproval: (approvalId, open) => {
        if (open) this.#approvals.set(approvalId, session);
        else if (this.#approvals.get(approvalId) === session) this.#approvals.delete(approvalId);
      },
      onEnded: (ended) => {
        this.#sessions.delete(ended.id);
        this.#keepEnded(ended);
        clearTimeout(this.#timers.get(ended));
        this.#timers.delete(ended);
        options.onEnded?.(ended);
      },
    });
    this.#sessions.set(id, session);
    if (options.pendingTtlMs !== undefined) {
      const timer = setTimeout(() => {
        if (session.state === 'pending') void session.close('expired_unattached');
      }, options.pendingTtlMs);
      timer.unref();
      this.#timers.set(session, timer);
    }
    return session;
  }

  get(id: string): ServeSession | undefined {
    return this.#sessions.get(id);
  }

  /** A session open or recently ended (for its events and recording). */
  find(id: string): ServeSession | undefined {
    const open = this.#sessions.get(id);
    if (open !== undefined) return open;
    const ended = this.#ended.get(id);
    if (ended === undefined) return undefined;
    if (Date.now() - ended.at > KEPT_ENDED_MS) {
      this.#ended.delete(id);
      return undefined;
    }
    return ended.session;
  }

  #keepEnded(session: ServeSession): void {
    this.#ended.set(session.id, { session, at: Date.now() });
    while (this.#ended.size > KEPT_ENDED_SESSIONS) this.#ended.delete(this.#ended.keys().next().value!);
  }

  /** The session that asked this approval and has not had it answered. */
  byApproval(approvalId: string): ServeSession | undefined {
    return this.#approvals.get(approvalId);
  }

  all(): ServeSession[] {
    return [...this.#sessions.values()];
  }

  count(kind: ServeSessionKind): number {
    return this.all().filter((session) => session.kind === kind).length;
  }
}

/** `s_` + 24 random bytes, base64url: unguessable, and an id by the id rule. */
function newSessionId(): string {
  return `s_${randomBytes(24).toString('base64url')}`;
}
