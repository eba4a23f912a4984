/**
 * What the two recorded MCP servers of a replay (HTTP in recordedMcpServer.ts, stdio in
 * recordedStdioServers.ts) share about recorded JSON-RPC answers: which messages answer a request,
 * and that an answer goes out under the id of the request being answered now, not the recorded one.
 */

/** A JSON-RPC response (a result or an error for some id), as opposed to a request or notification. */
export function isJsonRpcResponse(data: unknown): boolean {
  return typeof data === 'object' && data !== null && 'id' in data && ('result' in data || 'error' in data);
}

/** A recorded response under the live request's id; anything else (or no live id) as it is. */
export function withId(data: unknown, id: unknown): unknown {
  if (id === undefined || !isJsonRpcResponse(data)) return data;
  return { ...(data as object), id };
}
