/** 127.0.0.0/8, localhost and ::1 (brackets allowed): a server on this machine. Shared by the CLI (a local simulator needs no key) and serve (binding elsewhere is warned about). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}
