/**
 * The fake Realtime peer: the server side of a memory transport, playing a script. It delivers
 * frames (recording what the session saw in `SessionFacts`), answers the proxy's `response.create`
 * when the script says so, and watches every frame the proxy sends: the ones the strict encoder
 * refused, and any `response.create` sent while a default-conversation response is active.
 */
import type { ProxyError } from '../../src/errors.js';
import type { ClientEvent } from '../../src/protocol/generated/types.js';
import { createMemoryTransport } from '../../src/protocol/memoryTransport.js';
import type { RealtimeTransport } from '../../src/protocol/transport.js';
import { describeStep, type PeerStep } from './fuzzScript.js';
import { createSessionFacts, type SessionFacts } from './sessionFacts.js';

export interface RefusedSend {
  type: string;
  code: string;
  message: string;
}

export interface FuzzPeer {
  /** The transport the proxy is given. */
  readonly transport: RealtimeTransport;
  readonly facts: SessionFacts;
  /** Client events that went out, in order. */
  readonly sent: ClientEvent[];
  /** Sends the transport refused (invalid events, or sends after the close). */
  readonly refused: RefusedSend[];
  /** `response.create` sent while a default response was active, with the ids that were active. */
  readonly createsWhileActive: string[][];
  /** What the peer played, one line per step, for failure messages. */
  readonly played: string[];
  readonly unansweredCreates: number;
  deliver(frame: object | string): void;
  /** Answers the oldest unanswered `response.create`: a new response, or the active-response refusal. */
  answerCreate(accept: boolean): void;
  /** `response.done` for the oldest reply the peer accepted. */
  finishReply(): void;
  close(code: number): void;
  log(step: PeerStep & { burst?: true }): void;
}

export function createFuzzPeer(isLive: () => boolean): FuzzPeer {
  const memory = createMemoryTransport();
  const facts = createSessionFacts();
  const sent: ClientEvent[] = [];
  const refused: RefusedSend[] = [];
  const createsWhileActive: string[][] = [];
  const played: string[] = [];
  const openReplies: string[] = [];
  let unansweredCreates = 0;
  let replies = 0;

  const transport: RealtimeTransport = {
    get state() {
      return memory.state;
    },
    connect: () => memory.connect(),
    close: (code, reason) => memory.close(code, reason),
    on: (event, listener) => memory.on(event, listener),
    send(event) {
      const result = memory.send(event);
      if (!result.ok) refused.push(describeRefusal(event, result.error));
      else {
        sent.push(event);
        if (event.type === 'response.create') {
          const blocking = facts.blockingResponses(Date.now());
          if (blocking.length > 0) createsWhileActive.push(blocking);
          unansweredCreates++;
        }
      }
      return result;
    },
  };

  const deliver = (frame: object | string) => {
    facts.observe(frame, isLive());
    if (memory.state === 'open') memory.deliver(frame);
  };

  return {
    transport,
    facts,
    sent,
    refused,
    createsWhileActive,
    played,
    get unansweredCreates() {
      return unansweredCreates;
    },
    deliver,
    answerCreate(accept) {
      if (unansweredCreates === 0) return;
      unansweredCreates--;
      if (!accept) {
        deliver({ type: 'error', error: { type: 'invalid_request_error', code: 'conversation_already_has_active_response', message: 'Conversation already has an active response in progress.' } });
        return;
      }
      const id = `resp_reply_${replies++}`;
      openReplies.push(id);
      deliver({ type: 'response.created', response: { id, object: 'realtime.response', status: 'in_progress', output: [], conversation_id: 'conv_fuzz' } });
    },
    finishReply() {
      const id = openReplies.shift();
      if (id !== undefined) deliver({ type: 'response.done', response: { id, object: 'realtime.response', status: 'completed', output: [], conversation_id: 'conv_fuzz' } });
    },
    close(code) {
      memory.serverClose(code, 'fuzz peer closed');
    },
    log(step) {
      played.push(describeStep(step));
    },
  };
}

function describeRefusal(event: ClientEvent, error: ProxyError): RefusedSend {
  return { type: String((event as { type?: unknown }).type), code: error.code, message: error.message };
}
