/**
 * `initialize` with a deadline that is never a cancellation. The SDK's own request timeout sends
 * `notifications/cancelled` when it fires, and the MCP spec says `initialize` MUST NOT be
 * cancelled: past the deadline the transport is closed instead, and the caller gets the same
 * timeout error (-32001 "Request timed out") the SDK would have given.
 */
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import type { Transport } from './transports.js';

/** The SDK's own deadline, kept out of the way of ours (it would cancel); its timer ends with the transport. */
const SDK_DEADLINE_MARGIN_MS = 60_000;

export async function initializeWithin(client: Client, transport: Transport, timeoutMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let timedOut = false;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new McpError(ErrorCode.RequestTimeout, 'Request timed out', { timeout: timeoutMs }));
    }, timeoutMs);
  });
  const connecting = client.connect(transport, { timeout: timeoutMs + SDK_DEADLINE_MARGIN_MS });
  try {
    await Promise.race([connecting, deadline]);
  } catch (error) {
    if (timedOut) {
      // The pending initialize ends as "Connection closed" once the transport is gone: not ours to report.
      connecting.catch(() => undefined);
      await client.close().catch(() => undefined);
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
