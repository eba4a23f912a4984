/**
 * `closeDataChannelGracefully`: how the simulator's WebRTC peer tells the browser that the call
 * ended. libwebrtc (M106, usrsctp, in @roamhq/wrtc) ignores an SCTP ABORT, werift's own `close()`
 * sends none (it ends DTLS first), and ICE notices a silent peer only after many seconds. The data
 * channel's closing procedure (RFC 8831 §6.7) is heard at once: our stream reset, the browser's
 * answer, then the browser's own reset, which werift answers.
 *
 * Measured with @roamhq/wrtc: it ignores werift's first answer to its reset, asks again ~400 ms
 * later and closes its channel on the second answer; so this waits briefly for that repeat too.
 */
import type { RTCDataChannel, RTCPeerConnection } from 'werift';
import { within } from './within.js';

const HANDSHAKE_TIMEOUT_MS = 1_000;
const REPEATED_RESET_GRACE_MS = 700;

export async function closeDataChannelGracefully(pc: RTCPeerConnection, channel: RTCDataChannel | undefined, log: (line: string) => void): Promise<void> {
  const sctp = pc.sctpTransport?.sctp;
  if (channel?.readyState !== 'open' || sctp === undefined) return;
  const streamId = channel.id;
  let resets = 0;
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  const subscription = sctp.onReconfigStreams.subscribe((streams) => {
    if (!streams.includes(streamId)) return;
    resets++;
    for (const waiter of waiters) if (resets >= waiter.count) waiter.resolve();
  });
  const resetsReach = (count: number): Promise<void> =>
    resets >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve }));
  channel.close();
  try {
    await within(resetsReach(2), HANDSHAKE_TIMEOUT_MS);
    await within(resetsReach(3), REPEATED_RESET_GRACE_MS).catch(() => {});
  } catch {
    log('the browser did not finish closing the events channel');
  } finally {
    subscription.unSubscribe();
  }
}
