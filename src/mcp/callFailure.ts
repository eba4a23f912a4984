/**
 * Turns whatever a failed tool call threw (SDK McpError, transport errors, our own ProxyError) into
 * one ToolCallCode and a host-facing message. The SDK reports an abort with the timeout's code
 * (-32001, typescript-sdk #2165), so the caller's AbortSignal decides between the two.
 */
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
import { ProxyError } from '../errors.js';
import { httpStatusOf } from './transports.js';
import type { ToolCallCode } from './types.js';

export interface CallFailure {
  code: Exclude<ToolCallCode, 'ok' | 'tool_error'>;
  /** For the host: "Failed to X: why. Please Y." */
  message: string;
  /** For the model: short, and never a secret or a stack. */
  modelMessage: string;
}

export function classifyCallFailure(error: unknown, context: { server: string; tool: string; signal?: AbortSignal; timeoutMs: number }): CallFailure {
  const what = `Failed to call tool "${context.tool}" on MCP server "${context.server}"`;
  if (context.signal?.aborted) {
    return {
      code: 'cancelled',
      message: `${what}: the call was cancelled (${reasonText(context.signal.reason)}). Please ignore its result.`,
      modelMessage: 'The tool call was cancelled before it finished.',
    };
  }
  if (ProxyError.isInstance(error)) {
    if (error.code === 'mcp_session_expired') {
      return { code: 'session_expired', message: error.message, modelMessage: 'The tool server refused its new session; the call did not run. Try again later or tell the user.' };
    }
    if (error.code === 'mcp_connection_lost') {
      return { code: 'transport_error', message: error.message, modelMessage: MID_CALL_MODEL_MESSAGE };
    }
    if (error.code === 'mcp_protocol_error') {
      return { code: 'protocol_error', message: error.message, modelMessage: 'The tool server sent an answer that could not be read.' };
    }
    return { code: 'transport_error', message: error.message, modelMessage: 'The tool server could not be reached. Try again later or tell the user.' };
  }
  const status = httpStatusOf(error);
  if (error instanceof UnauthorizedError || status === 401 || status === 403) {
    return {
      code: 'auth_error',
      message: `${what}: the server refused our credentials${status ? ` (HTTP ${status})` : ''}. Please check the server's token or authorization.`,
      modelMessage: 'The tool server refused access. Tell the user the tool is not available right now.',
    };
  }
  if (error instanceof McpError) {
    // -32000/-32001 are also what servers use for their own errors: only the SDK's own messages mean timeout / closed.
    const local = stripMcpPrefix(error.message);
    if (error.code === ErrorCode.RequestTimeout && /^(Request timed out|Maximum total timeout exceeded)/.test(local)) {
      return {
        code: 'timeout',
        message: `${what}: no answer within ${context.timeoutMs} ms. Please raise timeoutMs for this tool if it is slow by design.`,
        modelMessage: `The tool did not answer within ${Math.round(context.timeoutMs / 1000)} seconds.`,
      };
    }
    if (error.code === ErrorCode.ConnectionClosed && /^(Connection closed|Request was cancelled)/.test(local)) {
      return {
        code: 'transport_error',
        message: `${what}: the connection closed mid-call, so the call may or may not have run. Please check that the server is still running.`,
        modelMessage: MID_CALL_MODEL_MESSAGE,
      };
    }
    if (error.code === ErrorCode.InvalidParams) {
      return {
        code: 'invalid_arguments',
        message: `${what}: the server rejected the arguments (${error.message}). Please check the tool's input schema.`,
        modelMessage: `The tool rejected the arguments: ${stripMcpPrefix(error.message)}. Call it again with corrected arguments.`,
      };
    }
    return {
      code: 'protocol_error',
      message: `${what}: the server answered with error ${error.code} (${stripMcpPrefix(error.message)}). Please check the server's logs.`,
      modelMessage: `The tool server reported an error: ${stripMcpPrefix(error.message)}.`,
    };
  }
  if (status === undefined && isBrokenMidCall(error)) {
    return {
      code: 'transport_error',
      message: `${what}: the server closed the connection mid-call (${errorText(error)}), so the call may or may not have run. Please check that the server is running; the next call reconnects.`,
      modelMessage: MID_CALL_MODEL_MESSAGE,
    };
  }
  if (error instanceof SyntaxError) {
    return {
      code: 'protocol_error',
      message: `${what}: the server's answer is not JSON (${errorText(error)}). Please check the server (or a proxy in front of it).`,
      modelMessage: 'The tool server sent an answer that could not be read.',
    };
  }
  if (status !== undefined || isNetworkError(error)) {
    return {
      code: 'transport_error',
      message: `${what}: ${status !== undefined ? `the server answered HTTP ${status}` : `the server could not be reached (${errorText(error)})`}. Please check that the server is running.`,
      modelMessage: 'The tool server could not be reached. Try again later or tell the user.',
    };
  }
  // A result that failed the SDK's CallToolResult schema, or anything else unexpected.
  return {
    code: 'protocol_error',
    message: `${what}: ${errorText(error)}. Please check that the server speaks MCP correctly.`,
    modelMessage: 'The tool server sent a response that could not be read.',
  };
}

function stripMcpPrefix(message: string): string {
  return message.replace(/^MCP error -?\d+: /, '');
}

const MID_CALL_MODEL_MESSAGE = 'The connection to the tool server broke during the call; it may or may not have run. Check before calling it again if it changes something.';

/**
 * A connection that broke after the request went out (undici's "terminated", a reset or "other
 * side closed"), unlike one that was never made (refused, unknown host): the call may have run.
 */
function isBrokenMidCall(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const cause = error.cause as { code?: unknown; message?: unknown } | undefined;
  const code = typeof cause?.code === 'string' ? cause.code : '';
  if (/^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH|ENETUNREACH)$/.test(code)) return false;
  return error.message === 'terminated' || /^(ECONNRESET|EPIPE|UND_ERR_SOCKET)$/.test(code) || /other side closed/i.test(String(cause?.message ?? ''));
}

function isNetworkError(error: unknown): boolean {
  return error instanceof TypeError || (error instanceof Error && /fetch failed|ECONNREFUSED|ECONNRESET|socket|network/i.test(error.message));
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
  return `${error.message}${cause}`;
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : String(reason);
}
