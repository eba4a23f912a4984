/**
 * Human-readable lines for what a proxy does, shared by `start` and `connect`: who said what, which
 * tool was called with what, what MCP answered, and where the time went.
 */
import type { RealtimeMcpProxy } from '../proxy/createRealtimeMcpProxy.js';
import type { ToolCallTimeline } from '../proxy/options.js';

export type Line = (tag: string, text: string) => void;

export function clip(text: string, max = 100): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/**
 * A message to print whole: its whitespace flattened, and only a pathological one (over `max`) cut,
 * in the middle, so the cause at the start and the advice at the end ("Please …") both survive.
 */
export function clipMiddle(text: string, max = 1_000): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  if (flat.length <= max) return flat;
  const advice = flat.lastIndexOf(' Please ');
  const tail = advice >= 0 && flat.length - advice <= max / 2 ? flat.length - advice : Math.floor(max / 2);
  return `${flat.slice(0, max - tail - 1)}…${flat.slice(flat.length - tail)}`;
}

function ms(from: number | undefined, to: number | undefined): string {
  return from === undefined || to === undefined ? '–' : `${Math.max(0, to - from).toFixed(0)} ms`;
}

/** "arguments complete → MCP request 0 ms → MCP result 3 ms → output sent 0 ms → response.create 0 ms" */
export function latencyBreakdown(t: ToolCallTimeline): string {
  return [
    `arguments complete → MCP request ${ms(t.argumentsCompleteAt, t.mcpRequestAt)}`,
    `→ MCP result ${ms(t.mcpRequestAt, t.mcpResultAt)}`,
    `→ output sent ${ms(t.mcpResultAt, t.outputSentAt)}`,
    `→ response.create ${t.responseCreateSentAt === undefined ? 'not sent' : ms(t.outputSentAt, t.responseCreateSentAt)}`,
  ].join(' ');
}

/** Prints the conversation and every tool call of a proxy as lines; returns a function that stops. */
export function followProxy(proxy: RealtimeMcpProxy, line: Line): () => void {
  const offs = [
    proxy.on('session.ready', ({ tools }) => line('ready', `session configured with ${tools.length} tool${tools.length === 1 ? '' : 's'}: ${tools.join(', ') || '(none)'}`)),
    proxy.on('realtime.event', (event) => {
      if (event.type === 'conversation.item.input_audio_transcription.completed') line('user', `said "${clip(event.transcript)}"`);
      else if (event.type === 'response.output_audio_transcript.done') line('model', `said "${clip(event.transcript)}"`);
      else if (event.type === 'response.output_text.done') line('model', `wrote "${clip(event.text)}"`);
    }),
    proxy.on('toolCall.started', ({ functionName, callId }) => line('model', `calls ${functionName} (${callId})`)),
    proxy.on('approval.requested', (request) => line('approval', `needed for ${request.functionName}(${clip(request.arguments, 60)}) — id ${request.approvalId}`)),
    proxy.on('approval.settled', ({ approvalId, decision, reason }) => line('approval', `${decision} — id ${approvalId}${reason ? `: ${clip(reason, 80)}` : ''}`)),
    proxy.on('toolCall.ended', (t) => {
      line('mcp', `${t.functionName}(${clip(t.arguments ?? '', 60)}) → ${t.code ?? 'no result'}: ${clip(t.output ?? '', 80)}`);
      line('latency', latencyBreakdown(t));
    }),
    proxy.on('realtime.error', (error) => line('realtime', `error ${error.code ?? error.type}: ${clipMiddle(error.message)}`)),
    proxy.on('error', (error) => line('error', `${error.code}: ${clipMiddle(error.message)}`)),
    proxy.on('warning', (warning) => line('warning', clipMiddle(warning.message))),
    proxy.on('catalog.toolDropped', (dropped) => line('mcp', `left out ${dropped.server}/${dropped.tool}: ${clipMiddle(dropped.reason)}`)),
    proxy.on('session.ended', (end) => line('ended', describeEnd(end))),
  ];
  return () => offs.forEach((off) => off());
}

export function describeEnd(end: Parameters<Parameters<RealtimeMcpProxy['on']>[1]>[0] | { reason: string; [key: string]: unknown }): string {
  const e = end as { reason: string; code?: number; detail?: string; message?: string; error?: { message: string }; timeoutMs?: number };
  if (e.reason === 'socket_closed') return `socket closed (${e.code}${e.detail ? `: ${e.detail}` : ''})`;
  if (e.reason === 'session_expired') return `session expired: ${e.message}`;
  if (e.reason === 'session_update_rejected') return `session.update rejected: ${e.error?.message}`;
  if (e.reason === 'session_update_failed') return `session.update could not be sent: ${e.message}`;
  if (e.reason === 'session_update_timeout') return `the server did not answer session.update within ${e.timeoutMs} ms`;
  if (e.reason === 'internal_error') return `internal error: ${e.message}`;
  return 'closed';
}
