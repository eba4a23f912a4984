import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createCheckedFetch } from './checkedFetch.js';
import { embeddedIpv4, McpAddressPolicy, whyNotPublic, type ResolveHost } from './mcpUrlPolicy.js';

describe('whyNotPublic', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.1.2', 'a loopback address'],
    ['10.1.2.3', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.0.10', 'a private address'],
    ['169.254.169.254', 'a link-local address (cloud metadata services live here)'],
    ['100.64.0.1', 'a carrier-grade NAT address'],
    ['0.0.0.0', 'an unspecified ("this network") address'],
    ['224.0.0.251', 'a multicast address'],
    ['255.255.255.255', 'a reserved address'],
    ['::1', 'a loopback address'],
    ['::', 'the unspecified address'],
    ['fd00:ec2::254', 'a unique-local (private) address (the AWS metadata service fd00:ec2::254 is one)'],
    ['fe80::1%eth0', 'a link-local address'],
    ['ff02::1', 'a multicast address'],
  ])('%s is %s', (address, why) => {
    expect(whyNotPublic(address)).toBe(why);
  });

  it.each(['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8'])('%s is public', (address) => {
    expect(whyNotPublic(address)).toBeUndefined();
  });

  it('judges IPv6 forms that carry an IPv4 address by that address', () => {
    expect(embeddedIpv4('::ffff:127.0.0.1')).toBe('127.0.0.1');
    expect(embeddedIpv4('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(embeddedIpv4('::ffff:a9fe:a9fe')).toBe('169.254.169.254');
    expect(embeddedIpv4('64:ff9b::10.0.0.1')).toBe('10.0.0.1');
    expect(embeddedIpv4('2002:a9fe:a9fe::1')).toBe('169.254.169.254');
    expect(embeddedIpv4('::1')).toBeUndefined();
    expect(whyNotPublic('::ffff:7f00:1')).toBe('a loopback address (127.0.0.1, inside the IPv6 address)');
    expect(whyNotPublic('64:ff9b::a9fe:a9fe')).toMatch(/^a link-local address/);
  });
});

describe('McpAddressPolicy.check', () => {
  const fakeDns =
    (table: Record<string, string[]>): ResolveHost =>
    async (host) => {
      const addresses = table[host];
      if (!addresses) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
      return addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
    };

  it('refuses loopback, private, link-local and metadata addresses, literal or resolved (localhost really resolves)', async () => {
    const policy = new McpAddressPolicy();
    const verdicts = await Promise.all(
      ['http://127.0.0.1:4000/mcp', 'http://10.0.0.5/mcp', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:4000/mcp', 'http://[::ffff:127.0.0.1]/mcp', 'http://localhost:4000/mcp'].map((url) => policy.check(url)),
    );
    expect(verdicts.map((verdict) => (verdict.ok ? 'ok' : verdict.why))).toEqual([
      '127.0.0.1 is a loopback address',
      '10.0.0.5 is a private address',
      '169.254.169.254 is a link-local address (cloud metadata services live here)',
      '::1 is a loopback address',
      '::ffff:7f00:1 is a loopback address (127.0.0.1, inside the IPv6 address)',
      expect.stringMatching(/^localhost resolves to (127\.0\.0\.1|::1), a loopback address$/),
    ]);
  });

  it('refuses a name when any of its addresses is refused, and other schemes and credentials', async () => {
    const policy = new McpAddressPolicy({}, fakeDns({ 'mixed.example': ['93.184.216.34', '10.0.0.1'], 'public.example': ['93.184.216.34'] }));
    expect(await policy.check('https://mixed.example/mcp')).toEqual({ ok: false, why: 'mixed.example resolves to 10.0.0.1, a private address' });
    expect((await policy.check('https://public.example/mcp')).ok).toBe(true);
    expect(await policy.check('https://nowhere.example/mcp')).toEqual({ ok: false, why: 'nowhere.example does not resolve (ENOTFOUND)' });
    expect(await policy.check('file:///etc/passwd')).toEqual({ ok: false, why: 'it is file:, not http: or https:' });
    expect(await policy.check('https://u:p@public.example/mcp')).toMatchObject({ ok: false, why: expect.stringContaining('credentials') });
    expect(await policy.check('not a url')).toEqual({ ok: false, why: 'it is not a URL' });
  });

  it('lets allowAddresses through and holds to allowHosts', async () => {
    const policy = new McpAddressPolicy({ allowAddresses: ['127.0.0.1/32', '10.0.0.0/8'], allowHosts: ['127.0.0.1', '*.corp.example'] }, fakeDns({ 'mcp.corp.example': ['10.1.1.1'] }));
    expect((await policy.check('http://127.0.0.1:4000/mcp')).ok).toBe(true);
    expect((await policy.check('http://[::ffff:127.0.0.1]:4000/mcp')).ok).toBe(false); // allowHosts: not listed by that name
    expect((await policy.check('https://mcp.corp.example/mcp')).ok).toBe(true);
    expect(await policy.check('https://corp.example/mcp')).toEqual({ ok: false, why: 'corp.example is not one of the allowed MCP hosts' });
    expect(() => new McpAddressPolicy({ allowAddresses: ['10.0.0.0/33'] })).toThrow('"10.0.0.0/33" is not an IP address or CIDR range');
  });
});

describe('createCheckedFetch', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

  async function echoServer(): Promise<number> {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-echo': 'yes' });
        res.end(JSON.stringify({ method: req.method, body, auth: req.headers.authorization }));
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }

  it('refuses at connect time a name that resolves to a refused address (rebinding), and an IP literal before connecting', async () => {
    const port = await echoServer();
    let answers = 0;
    // The first answer is public (what a check would see), every later one is loopback.
    const rebinding: ResolveHost = async () => [{ address: answers++ === 0 ? '93.184.216.34' : '127.0.0.1', family: 4 }];
    const policy = new McpAddressPolicy({}, rebinding);
    expect(await policy.refuseResolved('rebind.example')).toBeUndefined();
    const checked = createCheckedFetch(policy);
    const failure = await checked(`http://rebind.example:${port}/mcp`).catch((error: unknown) => error as TypeError);
    expect(failure).toBeInstanceOf(TypeError);
    expect(String((failure as TypeError).cause)).toContain('rebind.example resolves to 127.0.0.1, a loopback address');
    const literal = await checked(`http://127.0.0.1:${port}/mcp`).catch((error: unknown) => error as TypeError);
    expect(String((literal as TypeError).cause)).toContain('127.0.0.1 is a loopback address');
  });

  it('carries method, headers and body both ways where the policy allows, and leaves trusted origins to the plain fetch', async () => {
    const port = await echoServer();
    const allowed = createCheckedFetch(new McpAddressPolicy({ allowAddresses: ['127.0.0.1'] }));
    const response = await allowed(`http://127.0.0.1:${port}/mcp`, { method: 'POST', headers: { authorization: 'Bearer t-1' }, body: '{"a":1}' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.json()).toEqual({ method: 'POST', body: '{"a":1}', auth: 'Bearer t-1' });
    const trusted = createCheckedFetch(new McpAddressPolicy(), { trustedOrigins: [`http://127.0.0.1:${port}`] });
    expect((await trusted(`http://127.0.0.1:${port}/mcp`)).status).toBe(200);
  });
});
