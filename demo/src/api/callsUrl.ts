/** The WebRTC transport posts its offer to `<baseUrl>/realtime/calls`: serve gives the whole URL (the simulator's when offline). */
export function baseUrlOfCallsUrl(callsUrl: string | undefined): string | undefined {
  if (callsUrl === undefined) return undefined;
  const match = /^(https?:\/\/.+)\/realtime\/calls\/?$/i.exec(callsUrl.trim());
  return match?.[1];
}
