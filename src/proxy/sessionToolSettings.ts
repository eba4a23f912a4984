/**
 * The tool settings of one proxy session, kept current as the catalog changes: what the model is
 * offered, what the ToolCaller may call (the allowlist, by MCP identity) and with which deadline,
 * and what the session machine decides approval and barge-in from.
 *
 * The session machine reads them per function name from `toolInfo()` (a Map: a function name from
 * the wire is only ever a Map key), sent to it with every catalog change.
 *
 * The host's own tools (`hostTools`) are offered first, with their own approval and barge-in, and
 * count first against the tool limits (resolveHostTools made sure they fit alone, so only MCP
 * tools are ever left out). The per-tool MCP settings (`allowedTools`…) do not apply to them.
 */
import { ProxyError } from '../errors.js';
import type { SessionToolInfo } from '../machines/session.js';
import { parseToolIdentity } from '../machines/policy.js';
import type { ApprovalRule } from '../machines/types.js';
import { toRealtimeFunctionTool } from '../mcp/parameters.js';
import type { ToolRoute } from '../mcp/router.js';
import { applyToolLimits, describeToolLimit, resolveToolLimits, type LimitCandidate, type ResolvedToolLimits, type ToolLimitOutcome } from '../mcp/toolLimits.js';
import type { CatalogTool, RealtimeFunctionTool } from '../mcp/types.js';
import type { ResolvedHostTool } from './hostTools.js';
import type { ProxyWarning } from './options.js';
import { resolveToolSettings, type PerToolSetting, type ResolvedToolSettings, type ToolAllowlist, type ToolApproval, type ToolSettingsCatalog, type ToolSettingsOptions, type ToolSettingsProblem } from './toolSettings.js';

export interface ToolSettingsCatalogWithTools extends ToolSettingsCatalog {
  functionTools(): RealtimeFunctionTool[];
}

type Candidate = LimitCandidate & { functionName: string };

export class SessionToolSettings {
  #options: ToolSettingsOptions;
  readonly #limits: ResolvedToolLimits;
  readonly #hostTools: readonly ResolvedHostTool[];
  #byFunctionName: ReadonlyMap<string, ResolvedToolSettings> = new Map();
  /** Tools the allowlist let through but the tool limits left out, by function name: why, for the refusal of a call. */
  #limited = new Map<string, string>();
  #limitOutcome: ToolLimitOutcome<Candidate> | undefined;
  /** The left-out set last warned about, so a catalog change that leaves the same tools out says nothing new. */
  #warnedCut = '';
  /** Messages already reported, so a catalog change does not repeat them. */
  readonly #reported = new Set<string>();

  /** `limits`: `toolLimits`, checked (resolveToolLimits); default the defaults. `hostTools`: checked by resolveHostTools. */
  constructor(options: ToolSettingsOptions, limits: ResolvedToolLimits = resolveToolLimits(undefined), hostTools: readonly ResolvedHostTool[] = []) {
    this.#options = options;
    this.#limits = limits;
    this.#hostTools = hostTools;
  }

  /** The tools the model may call, by function name, with their settings (the lead's machine consumes this). */
  get byFunctionName(): ReadonlyMap<string, ResolvedToolSettings> {
    return this.#byFunctionName;
  }

  /**
   * Resolves the settings against the catalog as it is now, then applies the tool limits to what
   * the allowlist lets through (in catalog order); returns every problem found.
   */
  update(catalog: ToolSettingsCatalog): ToolSettingsProblem[] {
    const { byFunctionName, problems } = resolveToolSettings(catalog, this.#options);
    // Host tools first: they fit the limits alone, so the cut only ever falls among MCP tools.
    const candidates: Candidate[] = this.#hostTools.map((tool) => ({ server: '', tool: tool.name, functionName: tool.name, definition: tool.definition }));
    for (const tool of catalog.tools) {
      if (byFunctionName.has(tool.functionName)) candidates.push({ server: tool.server, tool: tool.mcpName, functionName: tool.functionName, definition: toRealtimeFunctionTool(tool) });
    }
    const outcome = applyToolLimits(candidates, this.#limits);
    const limited = new Map<string, string>();
    for (const candidate of outcome.leftOut) {
      byFunctionName.delete(candidate.functionName);
      limited.set(candidate.functionName, limitReason(outcome));
    }
    this.#byFunctionName = byFunctionName;
    this.#limited = limited;
    this.#limitOutcome = outcome;
    return problems;
  }

  /**
   * Why `allowed` cannot replace the allowlist: a key naming no listed tool, worded like the
   * `allowedTools` option's refusal at start (with its "did you mean"), as `invalid_input`.
   * Undefined when it can (a key for a server that did not list is taken: it applies once it lists).
   */
  allowlistRefusal(catalog: ToolSettingsCatalog, allowed: ToolAllowlist): ProxyError | undefined {
    const fatal = resolveToolSettings(catalog, { allowedTools: allowed }).problems.filter((problem) => problem.fatal);
    const first = fatal[0];
    if (first === undefined) return undefined;
    const { why, please } = first.error.data as { why: string; please: string };
    const more = fatal.length > 1 ? ` (and ${fatal.length - 1} more ${fatal.length === 2 ? 'key' : 'keys'} like it)` : '';
    return new ProxyError('invalid_input', `Failed to change the allowed tools: ${why}${more}. Please ${please}; the tools offered did not change.`, { data: { problems: fatal.map((problem) => problem.error.message) } });
  }

  /** Replaces the allowlist (checked: allowlistRefusal); the next `update` applies it. */
  setAllowedTools(allowed: ToolAllowlist): void {
    this.#options = { ...this.#options, allowedTools: allowed };
  }

  /**
   * A `tools_limited` warning when the last update left tools out and this set of tools was not
   * warned about yet (one warning per cut, not one per tool or per catalog change).
   */
  limitWarning(): ProxyWarning | undefined {
    const outcome = this.#limitOutcome;
    const cut = outcome === undefined ? '' : JSON.stringify(outcome.leftOut.map((candidate) => [candidate.server, candidate.tool]));
    if (cut === this.#warnedCut) return undefined;
    this.#warnedCut = cut;
    const described = outcome && describeToolLimit(outcome);
    return described && { code: 'tools_limited', message: described.message, data: described.data };
  }

  /** For the ToolCaller: why a tool the model may not call is unavailable, when the tool limits left it out. */
  readonly whyUnavailable = (tool: CatalogTool): { why: string; please: string } | undefined => {
    const reason = this.#limited.get(tool.functionName);
    return reason === undefined ? undefined : { why: `it was left out of session.update by ${reason}`, please: 'choose fewer tools with allowedTools so it fits, or raise the limit' };
  };

  /** The problems not reported before (each message once per session). */
  unreported(problems: readonly ToolSettingsProblem[]): ProxyError[] {
    const fresh: ProxyError[] = [];
    for (const { error } of problems) {
      if (this.#reported.has(error.message)) continue;
      this.#reported.add(error.message);
      fresh.push(error);
    }
    return fresh;
  }

  /** For the ToolCaller: a tool may be called only when the allowlist kept it (matched by identity, not by name). */
  readonly allowed = (tool: CatalogTool): boolean => {
    const settings = this.#byFunctionName.get(tool.functionName);
    return settings !== undefined && settings.server === tool.server && settings.tool === tool.mcpName;
  };

  /** For the ToolCaller: the tool's `timeouts.tools` deadline. */
  readonly timeoutMs = (tool: CatalogTool): number | undefined => (this.allowed(tool) ? this.#byFunctionName.get(tool.functionName)?.timeoutMs : undefined);

  /** The function tools offered in `session.update`: the host's, then the MCP tools. */
  sessionTools(catalog: ToolSettingsCatalogWithTools): RealtimeFunctionTool[] {
    return [...this.#hostTools.map((tool) => tool.definition), ...catalog.functionTools().filter((tool) => this.#byFunctionName.has(tool.name))];
  }

  /**
   * What the session machine decides approval and barge-in from, by function name: every tool the
   * model may call, and every route (`routes`: a function name for a tool elsewhere) whose tool it
   * may call, with that tool's settings. A name missing here is one the ToolCaller refuses.
   */
  toolInfo(routes?: Readonly<Record<string, ToolRoute>>): Map<string, SessionToolInfo> {
    const info = new Map<string, SessionToolInfo>();
    const describe = (settings: ResolvedToolSettings): SessionToolInfo => ({
      server: settings.server,
      tool: settings.tool,
      ...(settings.annotations ? { annotations: settings.annotations } : {}),
      ...(settings.approval ? { approval: settings.approval } : {}),
      ...(settings.bargeIn ? { bargeIn: settings.bargeIn } : {}),
    });
    for (const [functionName, settings] of this.#byFunctionName) info.set(functionName, describe(settings));
    // The router tries routes before the catalog's names: a route's settings win.
    for (const [functionName, route] of Object.entries(routes ?? {})) {
      const target = [...this.#byFunctionName.values()].find((settings) => settings.server === route.server && settings.tool === route.tool);
      if (target) info.set(functionName, describe(target));
    }
    // No server: the machine keys a host tool's sticky answers by its function name.
    for (const tool of this.#hostTools) {
      info.set(tool.name, { ...(tool.approval ? { approval: tool.approval } : {}), ...(tool.bargeIn ? { bargeIn: tool.bargeIn } : {}) });
    }
    return info;
  }
}

/**
 * `approval.tools` keys for native MCP servers (`nativeMcp`, whose tools OpenAI lists and calls)
 * cannot be checked against the catalog: they go to the session machine as they are, by
 * `"server/tool"`, and the rest is resolved like every other per-tool setting. A function applies
 * to catalog tools only (a native tool is not one).
 */
export function nativeApprovalRules(
  tools: PerToolSetting<ToolApproval> | undefined,
  nativeLabels: readonly string[],
): { functionTools: PerToolSetting<ToolApproval> | undefined; nativeTools: Map<string, ApprovalRule> } {
  const nativeTools = new Map<string, ApprovalRule>();
  if (tools === undefined || typeof tools === 'function' || typeof tools !== 'object' || tools === null || nativeLabels.length === 0) return { functionTools: tools, nativeTools };
  const native = new Set(nativeLabels);
  const functionTools: Record<string, ToolApproval> = Object.create(null) as Record<string, ToolApproval>;
  for (const [key, rule] of Object.entries(tools)) {
    const server = parseToolIdentity(key)?.server;
    if (server !== undefined && native.has(server) && (rule === 'never' || rule === 'always')) nativeTools.set(key, rule);
    else functionTools[key] = rule;
  }
  return { functionTools, nativeTools };
}

function limitReason(outcome: ToolLimitOutcome<Candidate>): string {
  return outcome.reached === 'maxTokens' ? `toolLimits.maxTokens (${outcome.limits.maxTokens} tokens)` : `toolLimits.maxTools (${outcome.limits.maxTools} tools)`;
}
