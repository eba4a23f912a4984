/**
 * The latency timeline of each tool call (model started it → arguments complete → MCP request →
 * MCP result → output sent → `response.create` sent), kept by call id and reported once, as
 * `toolCall.ended`, when nothing more can happen to the call.
 */
import type { ToolCallSettled } from '../machines/types.js';
import type { ToolCallTimeline } from './options.js';

export interface ToolCallTimelines {
  started(callId: string, functionName: string): void;
  /** The arguments as the model sent them (`response.output_item.done`). */
  arguments(callId: string, text: string): void;
  /** The MCP call began (refined later by the result's own request time). */
  mcpRequested(callId: string): void;
  settled(settled: Omit<ToolCallSettled, 'type'>): void;
  /** A response's calls are over; `responseCreateSentAt` when a `response.create` went out for them. */
  batchFinished(callIds: readonly string[], responseCreateSentAt: number | undefined): void;
  /** The session ended: every timeline still open ends (as `skipped` when nothing settled it). */
  endAll(): void;
}

export function createToolCallTimelines(report: (timeline: ToolCallTimeline) => void): ToolCallTimelines {
  const open = new Map<string, ToolCallTimeline>();
  const finish = (callId: string, responseCreateSentAt: number | undefined) => {
    const timeline = open.get(callId);
    if (!timeline) return;
    open.delete(callId);
    report({ ...timeline, ...(responseCreateSentAt ? { responseCreateSentAt } : {}) });
  };
  return {
    started(callId, functionName) {
      if (!open.has(callId)) open.set(callId, { callId, functionName, startedAt: Date.now() });
    },
    arguments(callId, text) {
      const timeline = open.get(callId);
      if (timeline) timeline.arguments = text;
    },
    mcpRequested(callId) {
      const timeline = open.get(callId);
      if (timeline) timeline.mcpRequestAt = Date.now();
    },
    settled(settled) {
      const timeline = open.get(settled.callId);
      if (!timeline) return;
      // A result knows whether a request left: a call refused before it (unknown tool, not allowed,
      // bad arguments) has no request time, whatever the executor's start noted.
      if (settled.result && settled.result.timings.requestSentAt === undefined) delete timeline.mcpRequestAt;
      Object.assign(timeline, {
        code: settled.code,
        argumentsCompleteAt: settled.completedAt,
        ...(settled.result
          ? {
              result: settled.result,
              mcpResultAt: settled.result.timings.startedAt + settled.result.timings.durationMs,
              ...(settled.result.timings.requestSentAt ? { mcpRequestAt: settled.result.timings.requestSentAt } : {}),
            }
          : {}),
        ...(settled.outcome === 'output' ? { output: settled.output, outputSentAt: Date.now() } : {}),
      });
    },
    batchFinished(callIds, responseCreateSentAt) {
      for (const callId of callIds) finish(callId, responseCreateSentAt);
    },
    endAll() {
      for (const [callId, timeline] of [...open]) {
        timeline.code ??= 'skipped';
        finish(callId, undefined);
      }
    },
  };
}
