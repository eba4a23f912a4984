/**
 * Calls (`rtc_…`): a WebRTC call answered by a media peer, or a SIP call that rings (a webhook) until
 * it is accepted, rejected or expires. An active call owns one simulated session; its data channel
 * and any sideband WebSockets (`?call_id=`) serve that session together. Hanging up (or the peer
 * closing, or the script closing the session) ends the call and closes every channel.
 */
import { randomBytes } from 'node:crypto';
import type { RealtimeSessionConfig } from '../../src/protocol/generated/types.js';
import { peerChannel, type SimulatorChannel } from './channels.js';
import { badRequest, HttpFailure } from './http.js';
import type { AnswerOffer, SimulatorPeer } from './peer.js';
import type { SessionMedia, SimulatorSession } from './session.js';

export type CallKind = 'webrtc' | 'sip';
/** `incoming`: a SIP call ringing; `active`: its session runs; then `ended`, `rejected` or `expired`. */
export type CallStatus = 'incoming' | 'active' | 'ended' | 'rejected' | 'expired';

export interface SipHeader {
  readonly name: string;
  readonly value: string;
}

/** One call as tests see it. */
export interface SimulatorCall {
  readonly id: string;
  readonly kind: CallKind;
  readonly status: CallStatus;
  /** The index of the call's session in `sim.sessions`, once it has one. */
  readonly sessionIndex: number | undefined;
  /** Sideband WebSockets attached so far. */
  readonly sidebands: number;
  readonly sipHeaders: readonly SipHeader[];
  /** How the call ended (`ended`, `rejected`, `expired`). */
  readonly ended: { readonly code: number; readonly reason: string } | undefined;
  /** The SIP status of a rejected call. */
  readonly rejectedWith: number | undefined;
  /** Where a SIP call was transferred (`refer`). */
  readonly referredTo: string | undefined;
}

/** What the registry needs from the server. */
export interface CallHost {
  newSession(settings: { callId: string; model: string | undefined; initialConfigs: RealtimeSessionConfig[]; media: SessionMedia; onEnded(closed: { code: number; reason: string }): void }): SimulatorSession;
  /** The session is connected (a data channel opened, a SIP call was accepted): `startWhen: connected` starts here. */
  connected(session: SimulatorSession): void;
  answerOffer: AnswerOffer;
  log(line: string): void;
}

interface Call {
  id: string;
  kind: CallKind;
  status: CallStatus;
  session: SimulatorSession | undefined;
  peer: SimulatorPeer | undefined;
  sidebands: number;
  sipHeaders: SipHeader[];
  ended: { code: number; reason: string } | undefined;
  rejectedWith: number | undefined;
  referredTo: string | undefined;
  timer: NodeJS.Timeout | undefined;
}

export const HANGUP_REASON = 'The call was hung up.';

export class CallRegistry {
  // A Map: call ids come from the wire.
  private readonly calls = new Map<string, Call>();

  constructor(private readonly host: CallHost) {}

  list(): SimulatorCall[] {
    return [...this.calls.values()].map(view);
  }

  /** Answers an SDP offer and starts the call's session. Throws HttpFailure when the offer cannot be answered. */
  async startWebRtc(offerSdp: string, initialConfigs: RealtimeSessionConfig[], model: string | undefined): Promise<{ id: string; answerSdp: string }> {
    let peer: SimulatorPeer;
    try {
      peer = await this.host.answerOffer(offerSdp);
    } catch (error) {
      if (error instanceof HttpFailure) throw error;
      throw badRequest(`The SDP offer could not be answered: ${(error as Error).message}. Please send the offer of an RTCPeerConnection with an audio track and the oai-events data channel.`, 'invalid_offer', 'sdp');
    }
    const call = this.add('webrtc', []);
    call.peer = peer;
    call.status = 'active';
    const session = this.host.newSession({ callId: call.id, model, initialConfigs, media: { kind: 'peer', peer }, onEnded: (closed) => this.finish(call, 'ended', closed) });
    call.session = session;
    peer.onClose(() => this.end(call, 1000, 'The call ended: the peer connection closed.'));
    peer.channelOpen.then(
      () => {
        if (call.status !== 'active') return;
        session.attach(peerChannel(peer, `datachannel-${call.id}`, (line) => this.host.log(line)), 'attached');
        this.host.log(`${call.id}: data channel open`);
        this.host.connected(session);
      },
      (error: unknown) => this.end(call, 1011, `The call ended: the data channel did not open (${(error as Error).message}).`),
    );
    this.host.log(`${call.id}: WebRTC call answered`);
    return { id: call.id, answerSdp: peer.answerSdp };
  }

  /** A SIP call rings: pending until accepted, rejected, or `acceptTimeoutMs` passes. */
  incomingSip(sipHeaders: SipHeader[], acceptTimeoutMs: number): string {
    const call = this.add('sip', sipHeaders);
    call.status = 'incoming';
    call.timer = setTimeout(() => {
      if (call.status !== 'incoming') return;
      this.finish(call, 'expired', { code: 1000, reason: `The call was not accepted within ${acceptTimeoutMs} ms.` });
    }, acceptTimeoutMs);
    call.timer.unref();
    this.host.log(`${call.id}: SIP call incoming`);
    return call.id;
  }

  accept(id: string, config: RealtimeSessionConfig): void {
    const call = this.live(id);
    if (call.kind !== 'sip') throw badRequest(`The call ${id} is a WebRTC call: only SIP calls are accepted. Please accept the call_id of a realtime.call.incoming webhook.`, 'invalid_call_state');
    if (call.status !== 'incoming') throw badRequest(`The call ${id} was already accepted.`, 'invalid_call_state');
    clearTimeout(call.timer);
    call.status = 'active';
    const session = this.host.newSession({ callId: id, model: config.model, initialConfigs: [config], media: { kind: 'sip' }, onEnded: (closed) => this.finish(call, 'ended', closed) });
    call.session = session;
    this.host.log(`${id}: SIP call accepted`);
    this.host.connected(session);
  }

  reject(id: string, statusCode: number): void {
    const call = this.live(id);
    if (call.kind !== 'sip') throw badRequest(`The call ${id} is a WebRTC call: only SIP calls are rejected. Please hang up instead.`, 'invalid_call_state');
    if (call.status !== 'incoming') throw badRequest(`The call ${id} was already accepted: hang up instead.`, 'invalid_call_state');
    call.rejectedWith = statusCode;
    this.finish(call, 'rejected', { code: 1000, reason: `The call was rejected (SIP ${statusCode}).` });
  }

  refer(id: string, targetUri: string): void {
    const call = this.live(id);
    if (call.kind !== 'sip') throw badRequest(`The call ${id} is a WebRTC call: only SIP calls can be transferred.`, 'invalid_call_state');
    if (call.status !== 'active') throw badRequest(`The call ${id} has not been accepted: accept it before transferring it.`, 'invalid_call_state');
    call.referredTo = targetUri;
    this.end(call, 1000, 'The call was transferred (SIP REFER).');
  }

  hangup(id: string): void {
    this.end(this.live(id), 1000, HANGUP_REASON);
  }

  /** Attaches a sideband WebSocket to a live call's session. Throws HttpFailure 404 when there is none. */
  attachSideband(id: string, channel: () => SimulatorChannel): void {
    const call = this.calls.get(id);
    if (call?.status !== 'active' || call.session === undefined || call.session.closed) throw notFound();
    call.sidebands += 1;
    call.session.attach(channel(), 'attached');
    this.host.log(`${id}: sideband attached (${call.sidebands})`);
  }

  /** Whether a sideband could attach to this call now. */
  hasLiveSession(id: string): boolean {
    const call = this.calls.get(id);
    return call?.status === 'active' && call.session !== undefined && !call.session.closed;
  }

  /** Ends every call (the simulator is closing). */
  async closeAll(code: number, reason: string): Promise<void> {
    const peers = [...this.calls.values()].flatMap((call) => (call.peer ? [call.peer] : []));
    for (const call of this.calls.values()) this.end(call, code, reason);
    await Promise.all(peers.map((peer) => peer.close().catch(() => undefined)));
  }

  private add(kind: CallKind, sipHeaders: SipHeader[]): Call {
    const call: Call = { id: `rtc_${randomBytes(16).toString('hex')}`, kind, status: 'incoming', session: undefined, peer: undefined, sidebands: 0, sipHeaders, ended: undefined, rejectedWith: undefined, referredTo: undefined, timer: undefined };
    this.calls.set(call.id, call);
    return call;
  }

  /** A call that has not ended; 404 otherwise (the API forgets calls that ended). */
  private live(id: string): Call {
    const call = this.calls.get(id);
    if (call === undefined || call.status === 'ended' || call.status === 'rejected' || call.status === 'expired') throw notFound();
    return call;
  }

  /** Ends a call from the server side: the session ends (its channels close), the peer closes. */
  private end(call: Call, code: number, reason: string): void {
    if (call.session && !call.session.closed) call.session.end(code, reason); // calls finish() through onEnded
    this.finish(call, 'ended', { code, reason });
  }

  private finish(call: Call, status: 'ended' | 'rejected' | 'expired', closed: { code: number; reason: string }): void {
    if (call.status === 'ended' || call.status === 'rejected' || call.status === 'expired') return;
    clearTimeout(call.timer);
    call.status = status;
    call.ended = closed;
    this.host.log(`${call.id}: ${status} (${closed.reason})`);
    if (call.session && !call.session.closed) call.session.end(closed.code, closed.reason);
    call.peer?.close().catch((error: unknown) => this.host.log(`${call.id}: closing the peer failed: ${(error as Error).message}`));
  }
}

function notFound(): HttpFailure {
  return new HttpFailure({ status: 404, message: 'No session found for the provided call_id', code: 'call_id_not_found' });
}

function view(call: Call): SimulatorCall {
  return {
    id: call.id,
    kind: call.kind,
    status: call.status,
    sessionIndex: call.session?.index,
    sidebands: call.sidebands,
    sipHeaders: call.sipHeaders,
    ended: call.ended,
    rejectedWith: call.rejectedWith,
    referredTo: call.referredTo,
  };
}
