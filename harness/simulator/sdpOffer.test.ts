import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../src/errors.js';
import { checkWebRtcOffer, MAX_OFFER_CHARS } from './sdpOffer.js';

/** An offer as @roamhq/wrtc (libwebrtc M106) wrote it: an audio transceiver and the oai-events channel. */
const OFFER = [
  'v=0',
  'o=- 1007639848753154162 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'a=group:BUNDLE 0 1',
  'a=extmap-allow-mixed',
  'a=msid-semantic: WMS',
  'm=audio 34178 UDP/TLS/RTP/SAVPF 111 63 9 0 8 13 110',
  'c=IN IP4 127.0.0.1',
  'a=rtcp:9 IN IP4 0.0.0.0',
  'a=candidate:1510613869 1 udp 2122194687 127.0.0.1 34178 typ host generation 0 network-id 1',
  'a=ice-ufrag:eSk1',
  'a=ice-pwd:hQXQ0G7oHJMJZgE9OzXiwngJ',
  'a=ice-options:trickle',
  'a=fingerprint:sha-256 4B:6F:2E:9C:82:E0:83:CB:31:D9:C0:44:F3:FA:BE:37:95:55:D1:29:7A:5A:F1:38:EE:91:55:42:A3:B1:78:33',
  'a=setup:actpass',
  'a=mid:0',
  'a=sendrecv',
  'a=msid:- cbea704b-9d72-4ff9-8391-d7d0055f7abe',
  'a=rtcp-mux',
  'a=rtpmap:111 opus/48000/2',
  'a=fmtp:111 minptime=10;useinbandfec=1',
  'a=rtpmap:63 red/48000/2',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:13 CN/8000',
  'a=rtpmap:110 telephone-event/48000',
  'm=application 45078 UDP/DTLS/SCTP webrtc-datachannel',
  'c=IN IP4 127.0.0.1',
  'a=candidate:1510613869 1 udp 2122194687 127.0.0.1 45078 typ host generation 0 network-id 1',
  'a=ice-ufrag:eSk1',
  'a=ice-pwd:hQXQ0G7oHJMJZgE9OzXiwngJ',
  'a=fingerprint:sha-256 4B:6F:2E:9C:82:E0:83:CB:31:D9:C0:44:F3:FA:BE:37:95:55:D1:29:7A:5A:F1:38:EE:91:55:42:A3:B1:78:33',
  'a=setup:actpass',
  'a=mid:1',
  'a=sctp-port:5000',
  'a=max-message-size:262144',
  '',
].join('\r\n');

function refusal(offer: unknown): ProxyError {
  try {
    checkWebRtcOffer(offer);
  } catch (error) {
    if (ProxyError.isInstance(error)) return error;
    throw error;
  }
  throw new Error('the offer was accepted');
}

describe('checkWebRtcOffer', () => {
  it('accepts a browser offer and reports its audio direction', () => {
    expect(checkWebRtcOffer(OFFER)).toEqual({ audioDirection: 'sendrecv' });
    expect(checkWebRtcOffer(OFFER.replace('a=sendrecv', 'a=recvonly'))).toEqual({ audioDirection: 'recvonly' });
    expect(checkWebRtcOffer(OFFER.replaceAll('\r\n', '\n'))).toEqual({ audioDirection: 'sendrecv' });
  });

  it.each([
    ['not text', 42, /the offer is not text \(number\)/],
    ['null', null, /not text \(null\)/],
    ['empty', '  ', /the offer is empty/],
    ['JSON', JSON.stringify({ type: 'offer', sdp: OFFER }), /it is not SDP \(it starts with .*not "v=0"\)\. Please send the SDP text/],
    ['too long', OFFER + 'a=x\r\n'.repeat(MAX_OFFER_CHARS / 5), /characters long/],
    ['without audio', OFFER.replace(/m=audio[\s\S]*?(?=m=application)/, ''), /no audio section \(m=audio\)\. Please add the microphone track/],
    ['with audio refused (port 0)', OFFER.replace('m=audio 34178', 'm=audio 0'), /no audio section/],
    ['without Opus', OFFER.replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 foo/8000'), /offers no Opus codec/],
    ['with inactive audio', OFFER.replace('a=sendrecv', 'a=inactive'), /audio section is inactive/],
    ['without the data channel', OFFER.slice(0, OFFER.indexOf('m=application')), /no data channel .*Please create the events channel before the offer: pc\.createDataChannel\('oai-events'\)/],
    ['without ICE credentials', OFFER.replaceAll(/a=ice-pwd:.*\r\n/g, ''), /no ICE credentials/],
    ['without a fingerprint', OFFER.replaceAll(/a=fingerprint:.*\r\n/g, ''), /no DTLS fingerprint/],
  ])('refuses an offer %s, saying why and what to do', (_, offer, message) => {
    const error = refusal(offer);
    expect(error.code).toBe('invalid_input');
    expect(error.message).toMatch(/^Failed to answer the WebRTC offer: .+\. Please .+\.$/);
    expect(error.message).toMatch(message);
  });

  it('reads session-level ICE and DTLS lines as applying to every section', () => {
    const sessionLevel = OFFER.replaceAll(/a=(ice-ufrag|ice-pwd|fingerprint):.*\r\n/g, '').replace(
      't=0 0\r\n',
      't=0 0\r\na=ice-ufrag:eSk1\r\na=ice-pwd:hQXQ0G7oHJMJZgE9OzXiwngJ\r\na=fingerprint:sha-256 4B:6F\r\n',
    );
    expect(checkWebRtcOffer(sessionLevel)).toEqual({ audioDirection: 'sendrecv' });
  });
});
