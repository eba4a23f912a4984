/**
 * A `fetch` for the MCP connections of run-time servers that connects only where the
 * `McpAddressPolicy` allows, judged at the moment each TCP connection is made: node:http(s) with
 * the policy's `lookup`, so the address checked is the address used (the global fetch resolves on
 * its own, after any check we could make, which leaves DNS rebinding open). An IP literal (which
 * skips `lookup`) is judged before the request. Redirects are not followed: a 3xx reaches the MCP
 * client as it is (a redirect is another way to point a request at an internal address).
 *
 * Requests to an origin in `trustedOrigins` (the operator's configured servers, which may well be
 * on loopback) go to the plain fetch.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { isIP } from 'node:net';
import { Readable } from 'node:stream';
import type { McpAddressPolicy } from './mcpUrlPolicy.js';

const NO_BODY_STATUSES = new Set([101, 204, 205, 304]);

export function createCheckedFetch(policy: McpAddressPolicy, options: { trustedOrigins?: readonly string[]; fetch?: typeof fetch } = {}): typeof fetch {
  const trusted = new Set(options.trustedOrigins ?? []);
  const plain = options.fetch ?? ((input, init) => fetch(input, init));
  return async (input, init) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    if (trusted.has(url.origin)) return plain(input, init);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`fetch failed: ${url.protocol} is not http: or https:`);
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (isIP(literal) !== 0) {
      const why = policy.refuseAddress(literal);
      if (why !== undefined) throw new TypeError('fetch failed', { cause: Object.assign(new Error(`Refused to connect: ${literal} is ${why} (run-time MCP server policy)`), { code: 'EMCPADDRESSREFUSED' }) });
    }
    const body = request.body === null ? undefined : Buffer.from(await request.arrayBuffer());
    const headers: Record<string, string> = {};
    request.headers.forEach((value, name) => (headers[name] = value));
    if (body !== undefined) headers['content-length'] = String(body.length);
    return new Promise<Response>((resolve, reject) => {
      const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
      const outgoing = send(url, { method: request.method, headers, lookup: policy.checkedLookup as never, signal: request.signal }, (incoming: IncomingMessage) => {
        const responseHeaders = new Headers();
        for (let i = 0; i + 1 < incoming.rawHeaders.length; i += 2) responseHeaders.append(incoming.rawHeaders[i]!, incoming.rawHeaders[i + 1]!);
        const status = incoming.statusCode ?? 502;
        const empty = NO_BODY_STATUSES.has(status) || request.method === 'HEAD';
        if (empty) incoming.resume();
        const stream = empty ? null : (Readable.toWeb(incoming) as ReadableStream<Uint8Array>);
        resolve(new Response(stream, { status, statusText: incoming.statusMessage ?? '', headers: responseHeaders }));
      });
      // As the global fetch reports a network failure: a TypeError with the cause inside.
      outgoing.on('error', (error) => reject(request.signal.aborted ? request.signal.reason : new TypeError('fetch failed', { cause: error })));
      outgoing.end(body);
    });
  };
}
