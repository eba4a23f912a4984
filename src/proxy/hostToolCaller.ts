/**
 * Runs one call of a host tool, as the ToolCaller runs an MCP call: check the arguments, call
 * `execute` with the call's signal and deadline, and fold the outcome into exactly one
 * ToolCallResult (`source: 'host'`). Never rejects, and settles exactly once: whichever comes first
 * of the answer, the deadline and the abort decides, and an `execute` that ignores its signal and
 * never settles still ends in `timeout`. What comes later (a late answer, a late throw) is dropped.
 */
import { silentLogger, type Logger } from '../logger.js';
import { createArgumentValidator, invalidArgumentsMessage, parseArgumentsText } from '../mcp/arguments.js';
import { describeProblems } from '../mcp/jsonSchemaValidator.js';
import { DEFAULT_MAX_OUTPUT_BYTES, formatToolError } from '../mcp/results.js';
import { DEFAULT_TOOL_TIMEOUT_MS } from '../mcp/toolCaller.js';
import type { ToolCallCode, ToolCallResult } from '../mcp/types.js';
import type { Redactor } from '../redaction/index.js';
import type { ResolvedHostTool } from './hostTools.js';
import { hostToolOutput } from './hostToolOutput.js';
import { checkStandard, describeThrown } from './standardSchema.js';

export interface HostToolCallerOptions {
  /** Outputs and messages are scrubbed of the secrets it knows. */
  redactor: Redactor;
  logger?: Logger;
  /** Cap on each output, in UTF-8 bytes. Default 16 KiB. */
  maxOutputBytes?: number;
  /** The deadline of a tool without its own `timeoutMs`. Default 30 000. */
  defaultTimeoutMs?: number;
}

export interface HostToolCaller {
  /** The tools, as resolved (what the session offers). */
  readonly tools: readonly ResolvedHostTool[];
  /** Their names: reserved in the catalog, so no MCP tool takes one. */
  readonly names: ReadonlySet<string>;
  has(functionName: string): boolean;
  call(functionName: string, argumentsText: string, options: { signal: AbortSignal; callId: string }): Promise<ToolCallResult>;
}

type Checked = { ok: true; args: unknown } | { ok: false; message: string };

function noSuchTool(functionName: string): Error {
  return new Error(`Failed to run host tool "${functionName}": there is none by that name. Please check has() first.`);
}

/**
 * The caller of a session without host tools (most of them): one for the process, so an idle
 * session holds no validator, maps or closures for tools it does not have.
 */
const noHostTools: HostToolCaller = Object.freeze({
  tools: Object.freeze([]),
  names: new Set<string>(),
  has: () => false,
  call: (functionName: string) => Promise.reject(noSuchTool(functionName)),
});

export function createHostToolCaller(tools: readonly ResolvedHostTool[], options: HostToolCallerOptions): HostToolCaller {
  if (tools.length === 0) return noHostTools;
  const byName = new Map(tools.map((tool) => [tool.name, tool]));
  const { redactor } = options;
  const logger = options.logger ?? silentLogger;
  const maxOutputBytes = options.maxOutputBytes !== undefined && options.maxOutputBytes > 0 ? options.maxOutputBytes : DEFAULT_MAX_OUTPUT_BYTES;
  const validator = createArgumentValidator();
  const warnedSkips = new Set<string>();
  const asTool = (tool: ResolvedHostTool, schema: Record<string, unknown>, version: string) => ({ inputSchema: schema, version, mcpName: tool.name, functionName: tool.name });
  // Compiled now, not on the first call (ajv takes tens of ms); shared across sessions by content.
  for (const tool of tools) if (tool.arguments.kind === 'json') validator.check(asTool(tool, tool.arguments.schema, tool.arguments.version), '{}');

  async function check(tool: ResolvedHostTool, argumentsText: string): Promise<Checked> {
    const how = tool.arguments;
    if (how.kind === 'json') {
      const checked = validator.check(asTool(tool, how.schema, how.version), argumentsText);
      if (!checked.ok) return { ok: false, message: checked.message };
      if (checked.skipped !== undefined && !warnedSkips.has(tool.name)) {
        warnedSkips.add(tool.name);
        logger.warn({ functionName: tool.name }, `The arguments of host tool "${tool.name}" go unchecked: ${checked.skipped}.`);
      }
      return { ok: true, args: checked.args };
    }
    const parsed = parseArgumentsText(argumentsText);
    if (!parsed.ok) return { ok: false, message: invalidArgumentsMessage(tool.name, parsed.problem) };
    const result = await checkStandard(how.schema, parsed.value);
    return result.ok ? { ok: true, args: result.value } : { ok: false, message: invalidArgumentsMessage(tool.name, describeProblems(result.problems, { root: 'the arguments' })) };
  }

  function run(tool: ResolvedHostTool, argumentsText: string, signal: AbortSignal, callId: string): Promise<ToolCallResult> {
    const startedAt = Date.now();
    let requestSentAt: number | undefined;
    const what = `host tool "${tool.name}"`;
    const finish = (code: ToolCallCode, output: string, message?: string): ToolCallResult => {
      const result: ToolCallResult = {
        code,
        output: redactor.scrub(output),
        ...(message === undefined ? {} : { message: redactor.text(clip(message, 2000)) }),
        functionName: tool.name,
        source: 'host',
        timings: { startedAt, durationMs: Date.now() - startedAt, ...(requestSentAt === undefined ? {} : { requestSentAt }) },
      };
      if (code !== 'ok') logger.warn({ functionName: tool.name, code, callId }, result.message ?? code);
      return result;
    };
    const fail = (code: Exclude<ToolCallCode, 'ok'>, message: string, modelMessage: string) => finish(code, formatToolError(code, redactor.scrub(modelMessage), { maxOutputBytes }), message);

    if (signal.aborted) return Promise.resolve(fail('cancelled', `Failed to run ${what}: it was cancelled before it started. Please ignore its result.`, 'The tool call was cancelled before it started.'));
    const timeoutMs = tool.timeoutMs ?? options.defaultTimeoutMs ?? DEFAULT_TOOL_TIMEOUT_MS;
    // execute hears of a timeout as of a cancellation: its own signal is aborted either way.
    const controller = new AbortController();
    return new Promise<ToolCallResult>((resolve) => {
      let settled = false;
      const settle = (make: () => ToolCallResult) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        let result: ToolCallResult;
        try {
          result = make();
        } catch (error) {
          result = fail('protocol_error', `Failed to read the result of ${what}: ${describeThrown(error)}. Please report this bug.`, 'The tool call failed unexpectedly. Tell the user it did not work.');
        }
        resolve(result);
      };
      const onAbort = () => {
        controller.abort(signal.reason);
        settle(() => fail('cancelled', `Failed to run ${what}: the call was cancelled (${reasonText(signal.reason)}). Please ignore its result.`, 'The tool call was cancelled before it finished.'));
      };
      const timer = setTimeout(() => {
        controller.abort(new DOMException(`The host tool did not answer within ${timeoutMs} ms.`, 'TimeoutError'));
        settle(() => fail('timeout', `Failed to run ${what}: no answer within ${timeoutMs} ms. Please make execute finish sooner (or heed its signal), or raise its timeoutMs.`, seconds(timeoutMs)));
      }, timeoutMs);
      signal.addEventListener('abort', onAbort, { once: true });

      void (async () => {
        let checked: Checked;
        try {
          checked = await check(tool, argumentsText);
        } catch (error) {
          return settle(() => fail('tool_error', `Failed to check the arguments of ${what}: its schema's validate threw ${describeThrown(error)}. Please fix the schema; the call did not run.`, 'The tool could not check its arguments, so it did not run. Tell the user it is not working.'));
        }
        if (!checked.ok) {
          const { message } = checked;
          return settle(() => fail('invalid_arguments', `Failed to call ${what}: ${message}`, message));
        }
        if (settled) return;
        requestSentAt = Date.now();
        try {
          const value: unknown = await tool.execute(checked.args, { signal: controller.signal, callId });
          settle(() => finish('ok', hostToolOutput(value, redactor, maxOutputBytes)));
        } catch (error) {
          settle(() => fail('tool_error', `Failed to run ${what}: execute threw ${describeThrown(error)}. Please see the error; the model was told it failed.`, thrownMessage(error)));
        }
      })();
    });
  }

  return {
    tools,
    names: new Set(byName.keys()),
    has: (functionName) => byName.has(functionName),
    call(functionName, argumentsText, { signal, callId }) {
      const tool = byName.get(functionName);
      if (tool === undefined) return Promise.reject(noSuchTool(functionName));
      return run(tool, argumentsText, signal, callId);
    },
  };
}

/** For the model: what the tool said when it failed (an Error's message, a thrown string), or that it said nothing. */
function thrownMessage(error: unknown): string {
  try {
    if (error instanceof Error && typeof error.message === 'string' && error.message.trim() !== '') return error.message;
    if (typeof error === 'string' && error.trim() !== '') return error;
  } catch {
    // A throwing `message` getter: nothing to say.
  }
  return 'The tool failed without saying why.';
}

function seconds(timeoutMs: number): string {
  const whole = Math.max(1, Math.round(timeoutMs / 1000));
  return `The tool did not answer within ${whole} second${whole === 1 ? '' : 's'}.`;
}

function reasonText(reason: unknown): string {
  if (reason instanceof Error) return reason.message;
  return reason === undefined ? 'aborted' : describeThrown(reason);
}

function clip(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}
