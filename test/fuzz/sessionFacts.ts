/**
 * What the session saw, from the peer's side: the oracle the invariants are checked against. Frames
 * are judged as the proxy judges them (decoded with the library's own codec), and only while the
 * session is live (after `ready`, before `ended`): what a configuring or ended session receives
 * promises nothing.
 */
import { STALE_RESPONSE_MS } from '../../src/machines/response.js';
import { decodeServerEvent } from '../../src/protocol/codec.js';

export interface CallFacts {
  callId: string;
  /** Every function name the call was announced with (`added`, then `done`). */
  names: Set<string>;
  /**
   * The status of the first `response.output_item.done` while live (or, failing one, its place in
   * `response.done`): it decides the call's fate. When the `response.done` of the call's first
   * response comes before any finish and does not list it, it decides `incomplete`: the response
   * ended without the call, so the call is closed unrun and a later finish is stale.
   */
  firstDone?: 'completed' | 'incomplete';
  /** The response the call was first announced in (the one whose `response.done` closes it). */
  responseId: string;
  /** Its response reported `conversation_id: null` when the call was announced. */
  outOfBand: boolean;
  /** Announced in a response whose out-of-band flag changed in between: only "at most once" is checked. */
  ambiguous: boolean;
}

export interface SessionFacts {
  readonly calls: Map<string, CallFacts>;
  /** Native approval requests (`mcp_approval_request` items), by request id. */
  readonly nativeRequests: Set<string>;
  /** Default-conversation responses between their `response.created` and `response.done`. */
  readonly activeResponses: Set<string>;
  /**
   * The active responses a `response.create` must not be sent over now: none once no response
   * event has come for `STALE_RESPONSE_MS` (the proxy then takes their done as lost, by design).
   */
  blockingResponses(now: number): string[];
  /** Looks at one frame about to be delivered; `live` says whether the session is ready and not ended. */
  observe(frame: object | string, live: boolean): void;
}

export function createSessionFacts(): SessionFacts {
  const calls = new Map<string, CallFacts>();
  const nativeRequests = new Set<string>();
  const activeResponses = new Set<string>();
  const outOfBandResponses = new Map<string, boolean>();
  let lastResponseEventAt = Date.now();

  const announce = (callId: string, name: string, responseId: string): CallFacts => {
    const outOfBand = outOfBandResponses.get(responseId) ?? false;
    let facts = calls.get(callId);
    if (facts === undefined) calls.set(callId, (facts = { callId, names: new Set(), outOfBand, ambiguous: false, responseId }));
    else if (facts.outOfBand !== outOfBand) facts.ambiguous = true;
    facts.names.add(name);
    return facts;
  };

  return {
    calls,
    nativeRequests,
    activeResponses,
    blockingResponses: (now) => (now - lastResponseEventAt >= STALE_RESPONSE_MS ? [] : [...activeResponses]),
    observe(frame, live) {
      const decoded = decodeServerEvent(typeof frame === 'string' ? frame : JSON.stringify(frame));
      if (!decoded.ok) return;
      const event = decoded.event;
      // A response is active from the proxy's point of view once it received response.created,
      // whatever state its session was in.
      // The session tracks responses from its first frame on (one started while it configures
      // still blocks a response.create); a response is what its response.created said.
      if (event.type === 'response.created') {
        const outOfBand = event.response.conversation_id === null;
        outOfBandResponses.set(event.response.id, outOfBand);
        if (!outOfBand) {
          activeResponses.add(event.response.id);
          lastResponseEventAt = Date.now();
        }
      } else if (event.type === 'response.done' && outOfBandResponses.get(event.response.id) !== true && activeResponses.delete(event.response.id)) {
        lastResponseEventAt = Date.now();
      }
      if (!live) return;
      if (event.type === 'response.output_item.added' && event.item.type === 'function_call' && event.item.call_id !== undefined) {
        announce(event.item.call_id, event.item.name, event.response_id);
      } else if (event.type === 'response.output_item.done' && event.item.type === 'function_call' && event.item.call_id !== undefined) {
        const facts = announce(event.item.call_id, event.item.name, event.response_id);
        facts.firstDone ??= event.item.status === 'completed' ? 'completed' : 'incomplete';
      } else if (event.type === 'response.done' && event.response.conversation_id !== null && outOfBandResponses.get(event.response.id) !== true) {
        // response.done lists every call of the response with its final status: a call whose
        // output_item.done never came is decided there (a completed one still runs).
        for (const item of event.response.output ?? []) {
          if (item.type !== 'function_call' || item.call_id === undefined) continue;
          const facts = announce(item.call_id, item.name, event.response.id);
          facts.firstDone ??= item.status === 'completed' ? 'completed' : 'incomplete';
        }
        for (const facts of calls.values()) if (facts.responseId === event.response.id) facts.firstDone ??= 'incomplete';
      } else if (event.type === 'conversation.item.done' && event.item.type === 'mcp_approval_request') {
        nativeRequests.add(event.item.id);
      }
    },
  };
}
