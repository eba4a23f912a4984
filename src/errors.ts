/**
 * Errors raised by realtime-mcp-proxy itself. Each has a string `code` to branch on; the message
 * follows "Failed to X: why. Please Y.". Errors that come over the wire (a Realtime `error` event,
 * an MCP JSON-RPC error) are kept apart from these and are never re-thrown as ProxyError.
 */
export type ProxyErrorCode =
  /** A frame or value is not JSON. */
  | 'invalid_json'
  /** A value of a type that cannot hold an event (a number, null, an array…). */
  | 'invalid_input'
  /** An object without a string `type`. */
  | 'missing_type'
  /** An event that fails its schema. */
  | 'invalid_event'
  /** A client event whose `type` the Realtime API does not define. */
  | 'unknown_event'
  /** A client event that JSON.stringify cannot serialize (a cycle, a BigInt). */
  | 'not_serializable'
  /** Options that cannot work (a bad URL, a missing key, an unsafe key in a browser). */
  | 'invalid_options'
  /** The WebSocket could not be opened (refused, rejected handshake, closed before open). */
  | 'connect_failed'
  /** start() with `requireTools`: no MCP server could be reached, or none of their tools is left to offer. */
  | 'no_tools'
  /** A send or connect on a transport that is not in the right state; an embedding call (sendAudio, sendText…) before start() resolved or after the session ended. */
  | 'not_open'
  /** The socket reported an error after it was open. */
  | 'socket_error'
  /** A listener registered by the host threw; the library went on. */
  | 'listener_error'
  /** An MCP server could not be reached or refused the handshake. */
  | 'mcp_connect_failed'
  /** An MCP session expired during a request that was not safe to send again. */
  | 'mcp_session_expired'
  /** A request on an MCP connection that was closed. */
  | 'mcp_closed'
  /** An MCP server closed the connection (or its process exited) while a request ran: it may or may not have run. */
  | 'mcp_connection_lost'
  /** An MCP server's answer was garbled or cut off (bad JSON in an SSE event, a stream that ended without the response). */
  | 'mcp_protocol_error'
  /** The Realtime server repeated or reordered something (a call already answered, a call it never finished); the proxy ignored it and went on. */
  | 'unexpected_event'
  /** Every retry of a refused `response.create` was refused: the model was not asked to speak. */
  | 'response_create_failed'
  /** An approval handler answered with something that is not an answer: the call was denied. */
  | 'invalid_approval_answer'
  /** An OpenAI REST request (client secret, call creation, accept/reject/hangup) failed; `data.status` and `data.apiCode` say how. */
  | 'realtime_api_error'
  /** A webhook failed verification (bad or missing signature, stale timestamp, unreadable body): refuse it. */
  | 'webhook_invalid'
  /** The transport cannot do this (audio appended over WebRTC or a sideband, where audio travels on media tracks). */
  | 'not_supported'
  /** The proxy failed inside (a bug): the session was ended and torn down. */
  | 'internal_error';

const brand = Symbol.for('realtime-mcp-proxy.ProxyError');

export class ProxyError<Data = unknown> extends Error {
  readonly code: ProxyErrorCode;
  readonly data: Data | undefined;
  readonly [brand] = true;

  constructor(code: ProxyErrorCode, message: string, options: { data?: Data; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProxyError';
    this.code = code;
    this.data = options.data;
  }

  /** Works across bundled copies of the library (ESM and CJS loaded side by side), unlike `instanceof`. */
  static isInstance(value: unknown): value is ProxyError {
    return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true;
  }
}
