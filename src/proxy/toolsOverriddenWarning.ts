/**
 * The `session_tools_overridden` warning: another client on the session (the page's data channel
 * beside the server's sideband) replaced the tools the proxy configured. Names are the other
 * client's data: they travel in `data` (clipped by the machine), never in the message.
 */
import type { SessionEmitted } from '../machines/session.js';
import { TOOLS_REASSERT_LIMIT, TOOLS_REASSERT_WINDOW_MS } from '../machines/toolGuard.js';
import type { ProxyWarning } from './options.js';

type ToolsOverridden = Extract<SessionEmitted, { type: 'session.toolsOverridden' }>;

export function toolsOverriddenWarning(overridden: ToolsOverridden): ProxyWarning {
  const { type: _type, restored, ...data } = overridden;
  const what = [`${data.added.length} added`, `${data.removed.length} removed`, `${data.changed.length} changed`, ...(data.toolChoice === undefined ? [] : ['tool_choice set'])].join(', ');
  const outcome = restored
    ? 'The proxy sent its own tools again.'
    : `The proxy did not send its tools again: it already did ${TOOLS_REASSERT_LIMIT} times in the last ${TOOLS_REASSERT_WINDOW_MS / 1000} s, and two clients must not fight without end.`;
  return {
    code: 'session_tools_overridden',
    message: `Another client on this session replaced the proxy's tools (${what}). ${outcome} Please configure the tools on the server only: the browser (or any other client on the call) should not send tools or tool_choice in its session.update.`,
    data: { ...data, restored },
  };
}
