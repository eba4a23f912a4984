/**
 * The `session.update` the proxy sends: the host's session fields, the catalog's function tools
 * and the native MCP tools. Each carries its own `event_id`, so that an `error` refusing it can be
 * told apart from errors about anything else (the server echoes the id in `error.event_id`).
 */
import type { RealtimeFunctionTool } from '../mcp/types.js';
import type { ClientEvent, McpTool, RealtimeSessionConfig } from '../protocol/generated/types.js';

export interface SessionUpdateInput {
  tools: readonly RealtimeFunctionTool[];
  nativeTools?: readonly McpTool[];
  instructions?: string;
  session?: Partial<Omit<RealtimeSessionConfig, 'type' | 'tools'>>;
}

/** The `event_id` of our n-th `session.update` (n from 1). */
export function sessionUpdateEventId(n: number): string {
  return `rmp_session_update_${n}`;
}

export function buildSessionUpdate(input: SessionUpdateInput, eventId: string): ClientEvent {
  return {
    type: 'session.update',
    event_id: eventId,
    session: {
      ...input.session,
      type: 'realtime',
      ...(input.instructions === undefined ? {} : { instructions: input.instructions }),
      tools: [...input.tools, ...(input.nativeTools ?? [])],
      tool_choice: 'auto',
    },
  } as ClientEvent;
}
