/**
 * Which MCP URLs a browser may hand `serve` at run time (SSRF): http(s) only, no credentials in the
 * URL, an optional list of the only hosts allowed, and every address the host resolves to must be a
 * public one — loopback, private (RFC 1918, unique-local), carrier-grade NAT, link-local (the cloud
 * metadata services 169.254.169.254 and fd00:ec2::254 among them), unspecified, multicast,
 * reserved and documentation ranges are refused unless `allowAddresses` names them. IPv6 forms that
 * carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`,
 * IPv4-compatible `::a.b.c.d`) are judged by that IPv4 address.
 *
 * The check runs twice: once before anything connects (`checkMcpUrl`, so the browser hears why at
 * once), and again at every connection the MCP client opens (`checkedLookup`, used by
 * `createCheckedFetch`), so a name that resolved to a public address for the check and to
 * 127.0.0.1 a moment later (DNS rebinding) is still refused.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';

export interface McpUrlPolicy {
  /** When set and not empty: the only host names (exact, or `*.example.com` for its subdomains) run-time servers may use. */
  readonly allowHosts?: readonly string[];
  /** Addresses or CIDR ranges (`10.0.0.0/8`, `127.0.0.1`, `fd00::/8`) allowed although they are not public. */
  readonly allowAddresses?: readonly string[];
}

/** How the policy resolves a name: `dns.lookup` with `all: true` (injectable for tests). */
export type ResolveHost = (hostname: string) => Promise<readonly LookupAddress[]>;

export type McpUrlVerdict = { readonly ok: true; readonly url: URL } | { readonly ok: false; readonly why: string };

/** Ranges that are not the public internet: [network, prefix, why]. */
const REFUSED_V4: ReadonlyArray<readonly [string, number, string]> = [
  ['0.0.0.0', 8, 'an unspecified ("this network") address'],
  ['10.0.0.0', 8, 'a private address'],
  ['100.64.0.0', 10, 'a carrier-grade NAT address'],
  ['127.0.0.0', 8, 'a loopback address'],
  ['169.254.0.0', 16, 'a link-local address (cloud metadata services live here)'],
  ['172.16.0.0', 12, 'a private address'],
  ['192.0.0.0', 24, 'an IETF protocol assignment'],
  ['192.0.2.0', 24, 'a documentation address'],
  ['192.88.99.0', 24, 'a 6to4 relay address'],
  ['192.168.0.0', 16, 'a private address'],
  ['198.18.0.0', 15, 'a benchmarking address'],
  ['198.51.100.0', 24, 'a documentation address'],
  ['203.0.113.0', 24, 'a documentation address'],
  ['224.0.0.0', 4, 'a multicast address'],
  ['240.0.0.0', 4, 'a reserved address'],
];
const REFUSED_V6: ReadonlyArray<readonly [string, number, string]> = [
  ['::', 128, 'the unspecified address'],
  ['::1', 128, 'a loopback address'],
  ['100::', 64, 'a discard address'],
  ['2001:db8::', 32, 'a documentation address'],
  ['fc00::', 7, 'a unique-local (private) address (the AWS metadata service fd00:ec2::254 is one)'],
  ['fe80::', 10, 'a link-local address'],
  ['fec0::', 10, 'a site-local address'],
  ['ff00::', 8, 'a multicast address'],
];

const refusedRanges = (() => {
  const ranges = REFUSED_V4.map(([network, prefix, why]) => ({ list: oneSubnet(network, prefix, 'ipv4'), type: 'ipv4' as const, why }));
  return [...ranges, ...REFUSED_V6.map(([network, prefix, why]) => ({ list: oneSubnet(network, prefix, 'ipv6'), type: 'ipv6' as const, why }))];
})();

function oneSubnet(network: string, prefix: number, type: 'ipv4' | 'ipv6'): BlockList {
  const list = new BlockList();
  list.addSubnet(network, prefix, type);
  return list;
}

/**
 * The IPv4 address an IPv6 address stands for, when it carries one: `::ffff:a.b.c.d` (mapped, also
 * written `::ffff:7f00:1`), `::a.b.c.d` (compatible), `64:ff9b::a.b.c.d` (NAT64), `2002:AABB:CCDD::` (6to4).
 */
export function embeddedIpv4(address: string): string | undefined {
  const groups = expandIpv6(address);
  if (groups === undefined) return undefined;
  const v4 = (high: number, low: number) => `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
  const zeros = (from: number, to: number) => groups.slice(from, to).every((group) => group === 0);
  if (zeros(0, 5) && groups[5] === 0xffff) return v4(groups[6]!, groups[7]!);
  if (zeros(0, 6) && (groups[6] !== 0 || groups[7]! > 1)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x64 && groups[1] === 0xff9b && zeros(2, 6)) return v4(groups[6]!, groups[7]!);
  if (groups[0] === 0x2002) return v4(groups[1]!, groups[2]!);
  return undefined;
}

/** Eight 16-bit groups of an IPv6 address (a trailing dotted IPv4 part and a zone id allowed), or undefined. */
function expandIpv6(address: string): number[] | undefined {
  let text = address.replace(/%.*$/, '').toLowerCase();
  if (isIP(text) !== 6) return undefined;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text)?.[1];
  if (dotted) {
    const [a, b, c, d] = dotted.split('.').map(Number) as [number, number, number, number];
    text = `${text.slice(0, -dotted.length)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', tail] = text.split('::') as [string, string | undefined];
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  const groups = tail === undefined ? front : [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
  return groups.length === 8 ? groups : undefined;
}

/** Why an IP address is not a public one ("a loopback address"), or undefined when it is public. */
export function whyNotPublic(address: string): string | undefined {
  const family = isIP(address.replace(/%.*$/, ''));
  if (family === 0) return 'not an IP address';
  if (family === 6) {
    const v4 = embeddedIpv4(address);
    if (v4 !== undefined) {
      const why = whyNotPublic(v4);
      return why === undefined ? undefined : `${why} (${v4}, inside the IPv6 address)`;
    }
  }
  const type = family === 4 ? 'ipv4' : 'ipv6';
  const bare = address.replace(/%.*$/, '');
  return refusedRanges.find((range) => range.type === type && range.list.check(bare, type))?.why;
}

/** The policy's exceptions as a BlockList ("allowed" list); a bad entry throws with its text. */
export function allowedAddressList(entries: readonly string[] = []): BlockList {
  const list = new BlockList();
  for (const entry of entries) {
    const [network = '', prefixText] = entry.trim().split('/');
    const family = isIP(network);
    const prefix = prefixText === undefined ? (family === 4 ? 32 : 128) : Number(prefixText);
    if (family === 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128)) {
      throw new Error(`"${entry}" is not an IP address or CIDR range (e.g. 10.0.0.0/8, 127.0.0.1, fd00::/8)`);
    }
    list.addSubnet(network, prefix, family === 4 ? 'ipv4' : 'ipv6');
  }
  return list;
}

/** A compiled policy: judges one address, one host name, one URL. */
export class McpAddressPolicy {
  readonly #allowed: BlockList;
  readonly #hosts: readonly string[];
  readonly #resolve: ResolveHost;

  constructor(policy: McpUrlPolicy = {}, resolve: ResolveHost = resolveAll) {
    this.#allowed = allowedAddressList(policy.allowAddresses);
    this.#hosts = (policy.allowHosts ?? []).map((host) => host.trim().toLowerCase()).filter(Boolean);
    this.#resolve = resolve;
  }

  /** Why this resolved address may not be used, or undefined when it may. */
  refuseAddress(address: string): string | undefined {
    const bare = address.replace(/%.*$/, '');
    const family = isIP(bare);
    if (family === 0) return 'it is not an IP address';
    const why = whyNotPublic(bare);
    if (why === undefined) return undefined;
    const v4 = family === 6 ? embeddedIpv4(bare) : undefined;
    const allowed = this.#allowed.check(bare, family === 4 ? 'ipv4' : 'ipv6') || (v4 !== undefined && this.#allowed.check(v4, 'ipv4'));
    return allowed ? undefined : why;
  }

  /** Why this host name may not be used (allowHosts), or undefined. */
  refuseHost(hostname: string): string | undefined {
    if (this.#hosts.length === 0) return undefined;
    const host = hostname.toLowerCase().replace(/\.$/, '');
    const listed = this.#hosts.some((pattern) => (pattern.startsWith('*.') ? host.endsWith(pattern.slice(1)) && host.length > pattern.length - 1 : host === pattern));
    return listed ? undefined : `${host} is not one of the allowed MCP hosts`;
  }

  /** Resolves a host (or takes an IP literal) and judges every address it has: one refused address refuses the host. */
  async refuseResolved(hostname: string): Promise<string | undefined> {
    const bare = hostname.replace(/^\[|\]$/g, '');
    if (isIP(bare) !== 0) {
      const why = this.refuseAddress(bare);
      return why === undefined ? undefined : `${bare} is ${why}`;
    }
    let addresses: readonly LookupAddress[];
    try {
      addresses = await this.#resolve(bare);
    } catch (error) {
      return `${bare} does not resolve (${(error as NodeJS.ErrnoException).code ?? 'lookup failed'})`;
    }
    if (addresses.length === 0) return `${bare} does not resolve`;
    for (const { address } of addresses) {
      const why = this.refuseAddress(address);
      if (why !== undefined) return `${bare} resolves to ${address}, ${why}`;
    }
    return undefined;
  }

  /** The whole check of a URL given at run time, before anything connects. */
  async check(text: string): Promise<McpUrlVerdict> {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return { ok: false, why: 'it is not a URL' };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return { ok: false, why: `it is ${url.protocol}, not http: or https:` };
    if (url.username !== '' || url.password !== '') return { ok: false, why: 'it carries credentials (user:password@); give them as headers instead' };
    const host = this.refuseHost(url.hostname);
    if (host !== undefined) return { ok: false, why: host };
    const why = await this.refuseResolved(url.hostname);
    return why === undefined ? { ok: true, url } : { ok: false, why };
  }

  /**
   * A `lookup` for node:net/http that refuses a connection to an address the policy refuses,
   * whatever the name resolved to at check time (DNS rebinding). Handles `all: true` (Node 20's
   * happy-eyeballs connect asks for every address) and the single-address form.
   */
  readonly checkedLookup = (hostname: string, options: { all?: boolean; family?: number | string } | number, callback: (...args: never[]) => void): void => {
    const opts = typeof options === 'number' ? { family: options } : options;
    const done = callback as unknown as (error: Error | null, address?: string | LookupAddress[], family?: number) => void;
    const host = this.refuseHost(hostname);
    if (host !== undefined) return done(refusedConnection(host));
    this.#resolve(hostname).then(
      (addresses) => {
        const wanted = addresses.filter(({ family }) => !opts.family || opts.family === 0 || family === Number(String(opts.family).replace('IPv', '')));
        for (const { address } of wanted) {
          const why = this.refuseAddress(address);
          if (why !== undefined) return done(refusedConnection(`${hostname} resolves to ${address}, ${why}`));
        }
        if (wanted.length === 0) return done(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }));
        if (opts.all) return done(null, wanted);
        return done(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: unknown) => done(error as Error),
    );
  };
}

function refusedConnection(why: string): Error {
  return Object.assign(new Error(`Refused to connect: ${why} (run-time MCP server policy)`), { code: 'EMCPADDRESSREFUSED' });
}

/** `dns.lookup` with every address (what a connection may use). */
export const resolveAll: ResolveHost = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));
