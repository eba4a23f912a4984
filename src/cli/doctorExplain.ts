/**
 * The explanations behind `realtime-mcp-proxy doctor`, kept free of output: a `Problem` says what
 * is wrong and what to do ("Failed to X: why. Please Y."). Turns a failed connect (read from the
 * recorded HTTP exchanges: network errors, credentials, redirects, a wrong path, a foreign answer,
 * the protocol version, a deadline) or a failed tools/list into one such problem.
 */
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { McpError, SUPPORTED_PROTOCOL_VERSIONS, type ServerCapabilities } from '@modelcontextprotocol/sdk/types.js';
import { ProxyError } from '../errors.js';
import { httpStatusOf } from '../mcp/transports.js';
import type { McpTransportKind } from '../mcp/types.js';
import type { HttpExchange } from './doctorHttp.js';

export interface Problem {
  level: 'error' | 'warning' | 'note';
  /** What the problem is about: connect, auth, transport, protocol, tools, size, or a tool name. */
  topic: string;
  /** "Failed to X: why. Please Y." for errors; a sentence with what to do for the others. */
  message: string;
}

export interface FailureContext {
  url: string;
  /** Whether a token or an Authorization header was given. */
  credentials: boolean;
  /** The names of the other headers given (one may carry an API key). */
  headerNames: string[];
  timeoutMs: number;
}

const TRANSPORT_NAMES: Record<McpTransportKind, string> = { 'streamable-http': 'Streamable HTTP', sse: 'legacy HTTP+SSE', stdio: 'stdio' };

export function transportName(kind: McpTransportKind): string {
  return TRANSPORT_NAMES[kind];
}

const NETWORK_CAUSES: Record<string, string> = {
  ECONNREFUSED: 'nothing is listening there, the connection was refused',
  ENOTFOUND: 'the host name does not resolve (DNS lookup failed)',
  EAI_AGAIN: 'the host name could not be resolved right now (DNS lookup timed out)',
  ECONNRESET: 'the connection was reset before an answer came',
  EHOSTUNREACH: 'the host cannot be reached',
  ENETUNREACH: 'the network is unreachable',
  ETIMEDOUT: 'the TCP connection timed out',
  UND_ERR_CONNECT_TIMEOUT: 'the TCP connection timed out',
  UND_ERR_SOCKET: 'the connection closed before an answer came',
  DEPTH_ZERO_SELF_SIGNED_CERT: 'its TLS certificate is self-signed',
  SELF_SIGNED_CERT_IN_CHAIN: 'its TLS certificate chain holds a self-signed certificate',
  CERT_HAS_EXPIRED: 'its TLS certificate has expired',
  ERR_TLS_CERT_ALTNAME_INVALID: 'its TLS certificate is for another host name',
  UNABLE_TO_VERIFY_LEAF_SIGNATURE: 'its TLS certificate cannot be verified',
  EPROTO: 'the TLS handshake failed (is it plain http on this port?)',
};

/** Turns a failed connect into one problem that says why and what to do. */
export function explainConnectFailure(error: unknown, exchanges: readonly HttpExchange[], context: FailureContext): Problem {
  const { url } = context;
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const status = httpStatusOf(cause) ?? (ProxyError.isInstance(error) ? (error.data as { status?: number } | undefined)?.status : undefined);
  const failed = (why: string, please: string): Problem => ({ level: 'error', topic: 'connect', message: `Failed to connect to ${url}: ${why}. Please ${please}.` });
  const network = exchanges.find((exchange) => exchange.error !== undefined && exchange.status === undefined && !exchange.aborted);
  const answered = exchanges.filter((exchange) => exchange.status !== undefined);

  // 1. No HTTP answer at all.
  if (answered.length === 0 && network) {
    const known = network.errorCode ? NETWORK_CAUSES[network.errorCode] : undefined;
    const why = known ? `${known}${network.errorCode ? ` (${network.errorCode})` : ''}` : `no HTTP answer (${network.error})`;
    const please =
      network.errorCode === 'ECONNREFUSED'
        ? 'start the server, or check the host and port in the URL'
        : network.errorCode === 'ENOTFOUND' || network.errorCode === 'EAI_AGAIN'
          ? 'check the host name in the URL (a typo?), and that this machine can resolve it (DNS, VPN)'
          : 'check that the server is reachable from here';
    return failed(why, please);
  }

  // 2. Credentials.
  const refused = answered.find((exchange) => exchange.status === 401 || exchange.status === 403);
  if (refused || cause instanceof UnauthorizedError || status === 401 || status === 403) {
    const code = refused?.status ?? status ?? 401;
    const oauth = refused?.authenticate?.resourceMetadata;
    const oauthHint = oauth
      ? ` The server advertises OAuth (resource metadata at ${oauth}): get an access token from its authorization server and pass it with --token.`
      : '';
    // 403 is "forbidden" whatever the cause: only the server's own word (RFC 6750 `error`, or its body) tells a bad token from a missing scope.
    const refusal = refused?.refusal;
    if (code === 403 && refusal !== 'invalid_token') {
      const why = !context.credentials
        ? ' and no credentials were given'
        : refusal === 'insufficient_scope'
          ? ': the credentials were accepted but lack the permission (scope) it needs'
          : ' with the credentials given, without saying why';
      const please = !context.credentials
        ? 'pass --token TOKEN (sent as "Authorization: Bearer TOKEN") or --header "Name: value"'
        : refusal === 'insufficient_scope'
          ? "check the token's scopes or the account's access"
          : "check that the token is valid and current, then its scopes and the account's access";
      return { level: 'error', topic: 'auth', message: `Failed to connect to ${url}: the server refused access (HTTP 403)${why}. Please ${please}.${oauthHint}` };
    }
    return {
      level: 'error',
      topic: 'auth',
      message: context.credentials
        ? `Failed to connect to ${url}: the server refused the credentials given (HTTP ${code}${refusal === 'invalid_token' ? ', invalid token' : ''}). Please check the token (expired, revoked, or for another server?).${oauthHint}`
        : context.headerNames.length > 0
          ? `Failed to connect to ${url}: the server requires credentials (HTTP ${code}) and did not accept the headers given (${context.headerNames.join(', ')}). Please check the header name and value, or pass --token TOKEN (sent as "Authorization: Bearer TOKEN").${oauthHint}`
          : `Failed to connect to ${url}: the server requires credentials (HTTP ${code}) and none were given. Please pass --token TOKEN (sent as "Authorization: Bearer TOKEN") or --header "Name: value".${oauthHint}`,
    };
  }

  // 3. A redirect the SDK does not follow (another origin, or https → http).
  const redirect = answered.find((exchange) => exchange.status !== undefined && exchange.status >= 300 && exchange.status < 400);
  if (redirect) {
    return failed(
      `the server redirected ${redirect.method} ${redirect.path} (HTTP ${redirect.status}) to ${redirect.location ?? 'another place'}, and MCP clients follow redirects only within the same origin`,
      `use ${redirect.location ? 'that URL' : 'the final URL'} directly`,
    );
  }

  // 4. Neither transport is at this path.
  const firstPost = answered.find((exchange) => exchange.method === 'POST');
  const legacyGet = answered.find((exchange) => exchange.method === 'GET' && exchange.startMs >= (firstPost?.startMs ?? 0) && exchange !== firstPost);
  if (firstPost && [400, 404, 405].includes(firstPost.status!) && legacyGet && legacyGet.status !== 200) {
    return failed(
      `no MCP transport answered at this path: Streamable HTTP (POST) got HTTP ${firstPost.status}, and the legacy HTTP+SSE fallback (GET) got HTTP ${legacyGet.status}`,
      'check the path: servers commonly serve Streamable HTTP at /mcp and legacy SSE at /sse',
    );
  }
  if (legacyGet && legacyGet.status === 200 && legacyGet.contentType !== 'text/event-stream' && firstPost && [400, 404, 405].includes(firstPost.status!)) {
    return failed(
      `Streamable HTTP (POST) got HTTP ${firstPost.status}, and the legacy HTTP+SSE fallback (GET) got ${legacyGet.contentType ?? 'no content type'} instead of an event stream`,
      'check the path: this looks like a web page or another API, not an MCP endpoint',
    );
  }

  // 5. An answer that is not MCP.
  const foreign = answered.find(
    (exchange) => exchange.method === 'POST' && exchange.status === 200 && exchange.contentType !== undefined && exchange.contentType !== 'application/json' && exchange.contentType !== 'text/event-stream',
  );
  if (foreign || /Unexpected content type/i.test(messageOf(cause))) {
    return failed(
      `the server answered initialize with ${foreign?.contentType ?? 'an unexpected content type'}, not JSON or an SSE stream (text/event-stream)`,
      'check the path: this looks like a web page or another API, not an MCP endpoint',
    );
  }

  // 6. Protocol version.
  const version = /protocol version is not supported: (.*)$/i.exec(messageOf(cause))?.[1];
  if (version !== undefined) {
    return {
      level: 'error',
      topic: 'protocol',
      message: `Failed to connect to ${url}: the server chose protocol version "${version}", which this client does not speak (it speaks ${SUPPORTED_PROTOCOL_VERSIONS.join(', ')}). Please upgrade the MCP server (or its SDK) to a current protocol version.`,
    };
  }

  // 7. No answer in time.
  if (cause instanceof McpError && cause.code === -32001) {
    const initialize = answered.find((exchange) => exchange.method === 'POST' && exchange.rpc.includes('initialize'));
    const stream = initialize?.contentType === 'text/event-stream' || exchanges.some((exchange) => exchange.method === 'GET' && exchange.contentType === 'text/event-stream');
    return failed(
      stream
        ? `the server opened an event stream (text/event-stream) but no answer to initialize arrived within ${context.timeoutMs} ms`
        : `the server did not answer initialize within ${context.timeoutMs} ms`,
      stream
        ? 'check for a reverse proxy that buffers event streams (turn buffering off for this path, e.g. "X-Accel-Buffering: no" with nginx), or give it longer with --timeout'
        : 'check that the server is not stuck, or give it longer with --timeout',
    );
  }

  // 8. Any other HTTP status.
  if (status !== undefined) {
    const initialize = answered.find((exchange) => exchange.status === status);
    return failed(
      `the server answered ${initialize ? `${initialize.method} ${initialize.path}` : 'initialize'} with HTTP ${status}${status === 406 ? ' (Not Acceptable: it does not take "Accept: application/json, text/event-stream")' : status === 415 ? ' (Unsupported Media Type)' : ''}`,
      status >= 500 ? "check the server's logs" : 'check that the URL is the MCP endpoint and that the server speaks MCP over HTTP',
    );
  }

  // 9. Whatever the connection said.
  const text = ProxyError.isInstance(error) ? error.message : `Failed to connect to ${url}: ${messageOf(error)}. Please check the server.`;
  return { level: 'error', topic: 'connect', message: text };
}

/** Explains why tools/list failed on a connected server. */
export function explainListFailure(error: unknown, capabilities: ServerCapabilities | undefined, context: FailureContext): Problem {
  const cause = (error as { cause?: unknown })?.cause ?? error;
  const status = httpStatusOf(cause);
  const noTools = capabilities !== undefined && capabilities.tools === undefined;
  let why: string;
  let please: string;
  if (cause instanceof McpError && cause.code === -32601) {
    why = `the server does not implement tools/list (JSON-RPC -32601 Method not found)${noTools ? ' and does not declare the tools capability' : ''}`;
    please = 'check that this is the server you meant: it offers no tools';
  } else if (cause instanceof McpError && cause.code === -32001) {
    why = `the server did not answer tools/list within ${context.timeoutMs} ms`;
    please = 'give it longer with --timeout, or check the server';
  } else if (status === 401 || status === 403) {
    why = `the server refused tools/list (HTTP ${status}) although initialize was accepted`;
    please = context.credentials ? 'check the token’s scopes' : 'pass --token or an auth --header';
  } else {
    why = messageOf(cause);
    please = "check the server's logs";
  }
  return { level: 'error', topic: 'tools', message: `Failed to list the tools of ${context.url}: ${why}. Please ${please}.` };
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
