/**
 * Recorded stdio MCP servers for a replay: an in-memory MCP transport per label that checks each
 * JSON-RPC message the proxy sends against the next recorded one (same method) and answers with
 * the messages the server sent after it in the recording (ids rewritten to the proxy's). Records are
 * fed as the replay reaches them, as for the HTTP mock (recordedMcpServer.ts).
 */
import type { Transport } from '../mcp/transports.js';
import type { RecordingRecord, RecordingRecordOf } from '../recording/format.js';
import { withId } from './recordedJsonRpc.js';

export interface RecordedStdioServers {
  /** The transport for one label (what `mcp.stdioTransport` returns for it). */
  transport(label: string): Transport;
  feed(record: RecordingRecord): void;
  close(): void;
}

interface ServerState {
  /** Recorded messages from the proxy, not yet matched. */
  expected: Array<RecordingRecordOf<'jsonrpc.message'>>;
  /** Messages the proxy sent before the replay fed their recorded counterparts. */
  sent: Array<{ method?: string; id?: unknown }>;
  /** Recorded messages from the server, each released once the proxy has sent `afterOut` messages. */
  pending: Array<{ message: Record<string, unknown>; afterOut: number }>;
  fedOut: number;
  sentOut: number;
  /** Recorded request id → the id the proxy used for the same request. */
  ids: Map<unknown, unknown>;
  live?: Transport;
}

export function createRecordedStdioServers(options: { onMismatch(message: string): void }): RecordedStdioServers {
  const servers = new Map<string, ServerState>();
  const stateOf = (label: string) => {
    let state = servers.get(label);
    if (!state) servers.set(label, (state = { expected: [], sent: [], pending: [], fedOut: 0, sentOut: 0, ids: new Map() }));
    return state;
  };

  const release = (state: ServerState) => {
    const transport = state.live;
    if (!transport?.onmessage) return;
    while (state.pending.length > 0 && state.pending[0]!.afterOut <= state.sentOut) {
      const { message } = state.pending.shift()!;
      const answered = withId(message, state.ids.get(message.id));
      // As from a pipe: after the current call stack.
      setImmediate(() => transport.onmessage?.(answered as never));
    }
  };

  /** Pairs what the proxy sent with what the recording says it sent, in order. */
  const match = (label: string, state: ServerState) => {
    while (state.sent.length > 0 && state.expected.length > 0) {
      const sent = state.sent.shift()!;
      const expected = state.expected.shift()!;
      const recorded = expected.data as { method?: string; id?: unknown };
      if (recorded.method !== sent.method) {
        options.onMismatch(
          `Failed to replay MCP server "${label}" (stdio): the proxy sent ${sent.method ?? 'a response'} where the recording has ${recorded.method ?? 'a response'} (seq ${expected.seq}). Please record the scenario again if the proxy's behaviour changed on purpose.`,
        );
        return;
      }
      if (recorded.id !== undefined && sent.id !== undefined) state.ids.set(recorded.id, sent.id);
      state.sentOut++;
    }
    release(state);
  };

  return {
    transport(label) {
      const state = stateOf(label);
      const transport: Transport = {
        start: async () => undefined,
        send: async (message) => {
          state.sent.push(message as { method?: string; id?: unknown });
          match(label, state);
        },
        close: async () => {
          state.live = undefined;
          transport.onclose?.();
        },
      };
      state.live = transport;
      return transport;
    },
    feed(record) {
      if (record.kind !== 'jsonrpc.message' || !record.peer.startsWith('mcp:')) return;
      const state = stateOf(record.peer.slice(4));
      if (record.dir === 'out') {
        state.expected.push(record);
        state.fedOut++;
        match(record.peer.slice(4), state);
      } else {
        state.pending.push({ message: record.data, afterOut: state.fedOut });
        release(state);
      }
    },
    close() {
      servers.clear();
    },
  };
}
