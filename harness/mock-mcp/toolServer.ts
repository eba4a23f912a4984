/**
 * The MCP side of the mock: a low-level SDK `Server` whose tools/list pages through the current
 * tools and whose tools/call carries out the faults the HTTP layer could not (everything but
 * http500, expireSession and malformedSse). One `Server` per session (or per POST when stateless).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { Server } from '@modelcontextprotocol/sdk/server/index.js';
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  type CallToolResult,
  type RequestInfo,
} from '@modelcontextprotocol/sdk/types.js';
import type { MockTool } from './config.js';
import { invalidStructuredContent, isHttpFault, type MockFinalFault } from './faults.js';
import { RpcError, type MockCallTicket, type MockState } from './state.js';

export interface ToolServerContext {
  /** Calls the HTTP layer has already counted, by JSON-RPC id. */
  tickets: Map<string | number, MockCallTicket>;
  /** Tells the other sessions that the tool list changed (this one is told on the call's stream). */
  notifyOthers(): Promise<void>;
  /** JSON responses cannot carry notifications: tell this session on its standalone stream too. */
  standaloneListChanged: boolean;
}

export function createToolServer(state: MockState, context: ToolServerContext): Server {
  const server = new Server(
    { name: state.config.name ?? 'mock-mcp', version: state.config.version ?? '1.0.0' },
    { capabilities: { tools: { listChanged: true } } },
  );

  server.setRequestHandler(ListToolsRequestSchema, async (request, extra) => {
    const delayMs = state.config.listDelayMs ?? 0;
    if (delayMs > 0) await sleep(delayMs, undefined, { signal: extra.signal });
    return state.listPage(request.params?.cursor);
  });

  server.setRequestHandler(CallToolRequestSchema, async (request, extra) => {
    const { name, arguments: args } = request.params;
    const ticket = context.tickets.get(extra.requestId) ?? state.beginCall(name, args, extra.requestId, extra.sessionId);
    const { record, tool, plan } = ticket;
    if (tool === undefined) {
      context.tickets.delete(extra.requestId);
      throw new RpcError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
    }
    try {
      if (ticket.changesToolList) {
        state.toggleListChangedTool();
        if (context.standaloneListChanged) await server.sendToolListChanged();
        else await extra.sendNotification({ method: 'notifications/tools/list_changed' });
        await context.notifyOthers();
      }
      for (const fault of plan.lead) {
        if (fault.kind === 'delay') await sleep(fault.ms, undefined, { signal: extra.signal });
        else {
          const progressToken = request.params._meta?.progressToken;
          for (let step = 1; step <= fault.steps; step += 1) {
            await sleep(fault.intervalMs, undefined, { signal: extra.signal });
            if (progressToken === undefined) continue;
            await extra.sendNotification({
              method: 'notifications/progress',
              params: { progressToken, progress: step, total: fault.steps, message: `step ${step} of ${fault.steps}` },
            });
          }
        }
      }
      if (plan.final?.kind === 'hang' && !extra.signal.aborted) {
        await new Promise((resolve) => extra.signal.addEventListener('abort', resolve, { once: true }));
      }
      if (extra.signal.aborted) throw extra.signal.reason;
      const result = answer(tool, args, plan.final, extra.requestInfo);
      record.outcome = plan.final && !isHttpFault(plan.final) ? `fault:${plan.final.kind}` : 'answered';
      return result;
    } catch (error) {
      if (extra.signal.aborted) {
        record.outcome = ticket.cancelled ? 'cancelled' : 'abandoned';
      } else if (error instanceof RpcError && (plan.final?.kind === 'throw' || plan.final?.kind === 'echoRequest')) {
        record.outcome = `fault:${plan.final.kind}`;
      }
      throw error;
    } finally {
      context.tickets.delete(extra.requestId);
    }
  });

  return server;
}

function answer(tool: MockTool, args: Record<string, unknown> | undefined, fault: MockFinalFault | undefined, request: RequestInfo | undefined): CallToolResult {
  switch (fault?.kind) {
    case 'echoRequest': {
      const echo = JSON.stringify({ url: request?.url?.href, headers: request?.headers ?? {} });
      if (fault.as === 'throw') throw new RpcError(ErrorCode.InternalError, `Cannot serve this request: ${echo}`);
      return { content: [{ type: 'text', text: echo }], ...(fault.as === 'isError' ? { isError: true } : {}) };
    }
    case 'isError':
      return { content: [{ type: 'text', text: fault.text ?? `Mock tool ${tool.name} failed.` }], isError: true };
    case 'throw':
      throw new RpcError(fault.code ?? ErrorCode.InternalError, fault.message ?? `Mock tool ${tool.name} threw.`);
    case 'hugeResult':
      // Words of x, not one run: a run that long would be taken for a base64 payload and replaced.
      return { content: [{ type: 'text', text: fault.bytes === 0 ? '' : `${`${'x'.repeat(63)} `.repeat(Math.ceil(fault.bytes / 64)).slice(0, fault.bytes - 1)}x` }] };
    case 'invalidStructuredContent': {
      const structuredContent = fault.structuredContent ?? invalidStructuredContent(tool.outputSchema ?? {});
      return { content: [{ type: 'text', text: JSON.stringify(structuredContent) }], structuredContent };
    }
    default:
      return tool.result === undefined || tool.result === 'echo'
        ? { content: [{ type: 'text', text: JSON.stringify(args ?? {}) }] }
        : structuredClone(tool.result);
  }
}
