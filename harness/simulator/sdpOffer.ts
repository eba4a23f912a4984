/**
 * `checkWebRtcOffer`: what the simulator's WebRTC peer needs from an SDP offer, checked before any
 * socket opens, each problem with a fix: an audio section with Opus that the browser sends or
 * receives, a data-channel section, and the ICE and DTLS lines a connection needs.
 */
import { ProxyError } from '../../src/errors.js';

export type MediaDirection = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

export interface CheckedOffer {
  /** The direction of the first usable audio section, as the offerer wrote it. */
  audioDirection: Exclude<MediaDirection, 'inactive'>;
}

/** Browsers' offers are 3–10 KB; a much longer "offer" is not one. */
export const MAX_OFFER_CHARS = 100_000;

interface Section {
  kind: string;
  port: number;
  protocol: string;
  formats: string[];
  lines: string[];
}

export function checkWebRtcOffer(sdp: unknown): CheckedOffer {
  if (typeof sdp !== 'string' || sdp.trim() === '') {
    throw refused(
      `the offer is ${typeof sdp === 'string' ? 'empty' : `not text (${sdp === null ? 'null' : typeof sdp})`}`,
      "send the SDP text of the offer (pc.localDescription.sdp) as the request body with Content-Type 'application/sdp'",
    );
  }
  if (sdp.length > MAX_OFFER_CHARS) {
    throw refused(`the offer is ${sdp.length} characters long (at most ${MAX_OFFER_CHARS})`, 'send the SDP text of one offer, nothing else');
  }
  const lines = sdp.split(/\r?\n/).map((line) => line.trim()).filter((line) => line !== '');
  if (lines[0] !== 'v=0') {
    throw refused(
      `it is not SDP (it starts with ${JSON.stringify(lines[0]!.slice(0, 40))}, not "v=0")`,
      'send the SDP text of the offer (pc.localDescription.sdp), not JSON or a URL-encoded form',
    );
  }
  const session: string[] = [];
  const sections: Section[] = [];
  for (const line of lines) {
    const media = /^m=(\S+) (\d+)(?:\/\d+)? (\S+)(?: (.*))?$/.exec(line);
    if (media) sections.push({ kind: media[1]!, port: Number(media[2]), protocol: media[3]!, formats: (media[4] ?? '').split(' ').filter(Boolean), lines: [] });
    else (sections.at(-1)?.lines ?? session).push(line);
  }

  const audio = sections.filter((section) => section.kind === 'audio' && section.port !== 0);
  if (audio.length === 0) {
    throw refused('the offer has no audio section (m=audio)', "add the microphone track (pc.addTrack) or pc.addTransceiver('audio') before pc.createOffer()");
  }
  const opusAudio = audio.filter((section) => hasOpus(section));
  if (opusAudio.length === 0) {
    throw refused('its audio section offers no Opus codec (a=rtpmap:<pt> opus/48000/2)', 'offer Opus, which every browser does by default (do not filter codecs with setCodecPreferences)');
  }
  const sending = opusAudio.map((section) => ({ section, direction: directionOf(section, session) })).find(({ direction }) => direction !== 'inactive');
  if (sending === undefined) {
    throw refused('its audio section is inactive', "offer audio as sendrecv (a microphone track), or at least recvonly (pc.addTransceiver('audio', { direction: 'recvonly' }))");
  }
  const dataChannel = sections.find((section) => section.kind === 'application' && section.port !== 0 && /SCTP/i.test(section.protocol));
  if (dataChannel === undefined) {
    throw refused(
      'the offer has no data channel (m=application … webrtc-datachannel)',
      "create the events channel before the offer: pc.createDataChannel('oai-events')",
    );
  }
  for (const section of [sending.section, dataChannel]) {
    const attribute = (name: string): boolean => [...section.lines, ...session].some((line) => line.startsWith(`a=${name}:`));
    if (!attribute('ice-ufrag') || !attribute('ice-pwd')) {
      throw refused(`its ${section.kind} section has no ICE credentials (a=ice-ufrag, a=ice-pwd)`, 'send the offer as RTCPeerConnection produced it');
    }
    if (!attribute('fingerprint')) {
      throw refused(`its ${section.kind} section has no DTLS fingerprint (a=fingerprint)`, 'send the offer as RTCPeerConnection produced it');
    }
  }
  return { audioDirection: sending.direction as CheckedOffer['audioDirection'] };
}

function hasOpus(section: Section): boolean {
  return section.lines.some((line) => {
    const rtpmap = /^a=rtpmap:(\d+) opus\/48000/i.exec(line);
    return rtpmap !== null && section.formats.includes(rtpmap[1]!);
  });
}

function directionOf(section: Section, session: string[]): MediaDirection {
  const directions = ['sendrecv', 'sendonly', 'recvonly', 'inactive'] as const;
  for (const lines of [section.lines, session]) {
    const found = directions.find((direction) => lines.includes(`a=${direction}`));
    if (found) return found;
  }
  return 'sendrecv';
}

function refused(why: string, fix: string): ProxyError {
  return new ProxyError('invalid_input', `Failed to answer the WebRTC offer: ${why}. Please ${fix}.`);
}
