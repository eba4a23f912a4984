/**
 * Runs one function call from the model against MCP: route the name, check the arguments, call
 * the tool with its deadline, progress and abort signal, and fold the answer into one
 * `function_call_output` string. Never rejects: every call ends in exactly one ToolCallResult.
 */
import type { Progress } from '@modelcontextprotocol/sdk/types.js';
import { Emitter } from '../emitter.js';
import type { ProxyError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import { Redactor } from '../redaction/index.js';
import { createArgumentValidator } from './arguments.js';
import { classifyCallFailure } from './callFailure.js';
import type { CatalogConnection, ToolCatalog } from './catalog.js';
import type { McpConnection } from './connection.js';
import { checkStructuredContent, formatToolError, formatToolResult } from './results.js';
import { createToolRouter, type ToolRouter, type ToolRouterOptions } from './router.js';
import type { CallToolResult, CatalogTool, ToolCallCode, ToolCallResult } from './types.js';

/** Default deadline of a tool call: a voice turn cannot wait much longer. */
export const DEFAULT_TOOL_TIMEOUT_MS = 30_000;

export interface ToolCallerOptions extends ToolRouterOptions {
  /** Cap on each `function_call_output`, in UTF-8 bytes. Default 16 KiB. */
  maxOutputBytes?: number;
  /**
   * A tool's deadline, in ms, by its catalog entry (server and MCP name: not its function name, which
   * changes with renaming); wins over the server's `toolTimeoutsMs` and `timeoutMs`. `undefined`, a
   * value that is not a positive number, or a throw falls through to those.
   */
  toolTimeoutMs?: (tool: CatalogTool) => number | undefined;
  /** Deadline for tools with none configured anywhere, in ms. Default 30 000. */
  defaultTimeoutMs?: number;
  /** Fail calls whose `structuredContent` does not match `outputSchema`. Default false: log it and forward the content. */
  strictOutputSchema?: boolean;
  logger?: Logger;
  /**
   * The secrets to keep from the model and the host: every output, message, MCP result and progress
   * message is scrubbed with it (and with each connection's own redactor, which holds the values
   * its token function returned). Default: one of the caller's own.
   */
  redactor?: Redactor;
}

export interface CallOptions {
  /** Aborting it cancels the MCP request (`notifications/cancelled`); the result is `cancelled`. */
  signal?: AbortSignal;
  /** The Realtime `call_id`, passed back in events. */
  callId?: string;
}

export type ToolCallerEvents = {
  /** A progress notification for a running call. */
  progress: [info: { callId?: string; functionName: string; server: string; tool: string; progress: Progress }];
  /** Every finished call, with the full MCP result when there was one. */
  result: [result: ToolCallResult & { callId?: string }];
  error: [ProxyError];
};

export class ToolCaller extends Emitter<ToolCallerEvents> {
  readonly #catalog: ToolCatalog;
  readonly #router: ToolRouter;
  readonly #validator = createArgumentValidator();
  readonly #options: ToolCallerOptions;
  readonly #logger: Logger;
  readonly #redactor: Redactor;

  constructor(catalog: ToolCatalog, options: ToolCallerOptions = {}) {
    super();
    this.#catalog = catalog;
    this.#router = createToolRouter(catalog, options);
    this.#options = options;
    this.#logger = options.logger ?? silentLogger;
    this.#redactor = options.redactor ?? new Redactor();
  }

  /**
   * Compiles the argument validators of every catalog tool now rather than on its first call
   * (ajv compiles in tens of milliseconds, which a voice turn should not wait for).
   */
  prepare(): void {
    for (const tool of this.#catalog.tools) this.#validator.check(tool, '{}');
  }

  /** How many argument validators are compiled (for tests and diagnostics). */
  get compiledValidators(): number {
    return this.#validator.compiledCount;
  }

  async call(functionName: string, argumentsText: string, options: CallOptions = {}): Promise<ToolCallResult> {
    const startedAt = Date.now();
    let requestSentAt: number | undefined;
    // Servers echo what they were sent (the Authorization header, the URL): nothing they say reaches the model or the host unscrubbed.
    const finish = (result: Omit<ToolCallResult, 'timings' | 'functionName'>): ToolCallResult => {
      const timings = { startedAt, durationMs: Date.now() - startedAt, ...(requestSentAt === undefined ? {} : { requestSentAt }) };
      const done: ToolCallResult = {
        ...result,
        output: this.#redactor.scrub(result.output),
        ...(result.message === undefined ? {} : { message: this.#redactor.text(result.message) }),
        ...(result.mcpResult === undefined ? {} : { mcpResult: this.#redactor.scrubValue(result.mcpResult) }),
        functionName,
        source: 'mcp',
        timings,
      };
      if (done.code !== 'ok') this.#logger.warn({ functionName, code: done.code, callId: options.callId }, done.message ?? done.code);
      this.emit('result', { ...done, ...(options.callId === undefined ? {} : { callId: options.callId }) });
      return done;
    };
    const fail = (code: Exclude<ToolCallCode, 'ok'>, message: string, modelMessage: string, tool?: CatalogTool, mcpResult?: CallToolResult) =>
      finish({
        code,
        output: formatToolError(code, modelMessage, this.#outputOptions()),
        message,
        ...(tool ? { server: tool.server, mcpName: tool.mcpName } : {}),
        ...(mcpResult ? { mcpResult } : {}),
      });

    const route = this.#router.route(functionName);
    if (!route.ok) return fail(route.code, route.message, route.modelMessage, route.code === 'not_allowed' ? route.tool : undefined);
    const { tool } = route;
    const checked = this.#validator.check(tool, argumentsText);
    if (!checked.ok) {
      return fail('invalid_arguments', `Failed to call tool "${tool.mcpName}" on MCP server "${tool.server}": ${checked.message}`, checked.message, tool);
    }
    const connection = this.#catalog.connection(tool.server);
    this.#learnSecretsOf(connection);
    if (connection === undefined) return fail('unknown_tool', `Failed to call tool "${tool.mcpName}": its server "${tool.server}" is not connected. Please check the configuration.`, `There is no tool named "${functionName}".`);
    if (options.signal?.aborted) {
      return fail('cancelled', `Failed to call tool "${tool.mcpName}" on MCP server "${tool.server}": it was cancelled before it started. Please ignore its result.`, 'The tool call was cancelled before it started.', tool);
    }

    const timeoutMs =
      this.#toolTimeoutMs(tool) ??
      ownValue(connection.config.toolTimeoutsMs, tool.mcpName) ??
      connection.config.timeoutMs ??
      this.#options.defaultTimeoutMs ??
      DEFAULT_TOOL_TIMEOUT_MS;
    let mcpResult: CallToolResult;
    try {
      requestSentAt = Date.now();
      mcpResult = await connection.callTool(tool.mcpName, checked.args, {
        timeoutMs,
        ...(connection.config.maxTotalTimeoutMs ? { maxTotalTimeoutMs: connection.config.maxTotalTimeoutMs } : {}),
        ...(options.signal ? { signal: options.signal } : {}),
        onProgress: (progress) =>
          this.emit('progress', { ...(options.callId === undefined ? {} : { callId: options.callId }), functionName, server: tool.server, tool: tool.mcpName, progress: this.#redactor.scrubValue(progress) }),
      });
    } catch (error) {
      const failure = classifyCallFailure(error, { server: tool.server, tool: tool.mcpName, timeoutMs, ...(options.signal ? { signal: options.signal } : {}) });
      return fail(failure.code, failure.message, failure.modelMessage, tool);
    }
    if (options.signal?.aborted) {
      // The answer raced the abort; the model has moved on, so the call counts as cancelled.
      return fail('cancelled', `Failed to call tool "${tool.mcpName}" on MCP server "${tool.server}": it was cancelled as its answer arrived. Please ignore its result.`, 'The tool call was cancelled.', tool, mcpResult);
    }

    // Scrubbed before formatting: the size cap then holds, and a secret is never cut in two by it.
    mcpResult = this.#redactor.scrubValue(mcpResult);
    const output = formatToolResult(mcpResult, this.#outputOptions());
    const where = { server: tool.server, mcpName: tool.mcpName, mcpResult };
    if (mcpResult.isError === true) {
      return finish({ code: 'tool_error', output, message: `Failed to run tool "${tool.mcpName}" on MCP server "${tool.server}": the tool reported an error. Please see mcpResult for its content.`, ...where });
    }
    const shape = checkStructuredContent(tool.outputSchema, mcpResult);
    if (!shape.ok) {
      const message = `Tool "${tool.mcpName}" on MCP server "${tool.server}" returned content that does not match its output schema: ${shape.message}.`;
      if (this.#options.strictOutputSchema) {
        return fail('output_schema_mismatch', `Failed to use the result of ${message.slice(0, 1).toLowerCase()}${message.slice(1)} Please fix the server, or turn strictOutputSchema off.`, 'The tool returned a malformed result.', tool, mcpResult);
      }
      this.#logger.warn({ server: tool.server, tool: tool.mcpName }, `${message} Forwarding it anyway (strictOutputSchema is off).`);
    }
    return finish({ code: 'ok', output, ...where });
  }

  #toolTimeoutMs(tool: CatalogTool): number | undefined {
    let timeoutMs: unknown;
    try {
      timeoutMs = this.#options.toolTimeoutMs?.(tool);
    } catch (error) {
      this.#logger.warn({ server: tool.server, tool: tool.mcpName, error: String(error) }, 'The toolTimeoutMs function threw; using the configured deadline');
      return undefined;
    }
    return typeof timeoutMs === 'number' && Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : undefined;
  }

  /** What the connection learned (its token function's values) is known here from now on. */
  #learnSecretsOf(connection: CatalogConnection | undefined): void {
    // A connection other than McpConnection (a test double, a custom one) may have no redactor.
    (connection as Partial<Pick<McpConnection, 'redactor'>> | undefined)?.redactor?.link(this.#redactor);
  }

  #outputOptions(): { maxOutputBytes?: number } {
    return this.#options.maxOutputBytes === undefined ? {} : { maxOutputBytes: this.#options.maxOutputBytes };
  }
}

/** `record[key]` only when the record itself holds it: a tool named "constructor" must not find Object. */
function ownValue<T>(record: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return record !== undefined && Object.hasOwn(record, key) ? record[key] : undefined;
}
