/**
 * The tool settings of one proxy session, kept current as the catalog changes: what the model is
 * offered, what the ToolCaller may call (the allowlist, by MCP identity) and with which deadline,
 * and what the session machine decides approval and barge-in from.
 *
 * The current session machine reads `approval.tools`, `bargeIn` and `toolInfo` as records keyed by
 * function name, fixed in its input: `machineInput` hands it null-prototype records that `update`
 * refills in place, so a function name from the wire never reaches `Object.prototype` and a
 * renamed tool keeps its settings.
 */
import type { ProxyError } from '../errors.js';
import type { SessionToolInfo } from '../machines/session.js';
import type { BargeInPolicy } from '../machines/types.js';
import type { CatalogTool, RealtimeFunctionTool } from '../mcp/types.js';
import { resolveToolSettings, type ResolvedToolSettings, type ToolApproval, type ToolSettingsCatalog, type ToolSettingsOptions, type ToolSettingsProblem } from './toolSettings.js';

export interface ToolSettingsCatalogWithTools extends ToolSettingsCatalog {
  functionTools(): RealtimeFunctionTool[];
}

export class SessionToolSettings {
  readonly #options: ToolSettingsOptions;
  #byFunctionName: ReadonlyMap<string, ResolvedToolSettings> = new Map();
  /** Messages already reported, so a catalog change does not repeat them. */
  readonly #reported = new Set<string>();
  /** For the current session machine's input: refilled in place by `update`. */
  readonly approvalByFunctionName: Record<string, ToolApproval> = Object.create(null) as Record<string, ToolApproval>;
  readonly bargeInByFunctionName: Record<string, BargeInPolicy> = Object.create(null) as Record<string, BargeInPolicy>;

  constructor(options: ToolSettingsOptions) {
    this.#options = options;
  }

  /** The tools the model may call, by function name, with their settings (the lead's machine consumes this). */
  get byFunctionName(): ReadonlyMap<string, ResolvedToolSettings> {
    return this.#byFunctionName;
  }

  /** Resolves the settings against the catalog as it is now; returns every problem found. */
  update(catalog: ToolSettingsCatalog): ToolSettingsProblem[] {
    const { byFunctionName, problems } = resolveToolSettings(catalog, this.#options);
    this.#byFunctionName = byFunctionName;
    refill(this.approvalByFunctionName, byFunctionName, (settings) => settings.approval);
    refill(this.bargeInByFunctionName, byFunctionName, (settings) => settings.bargeIn);
    return problems;
  }

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

  /** The function tools offered in `session.update`. */
  sessionTools(catalog: ToolSettingsCatalogWithTools): RealtimeFunctionTool[] {
    return catalog.functionTools().filter((tool) => this.#byFunctionName.has(tool.name));
  }

  /** The session machine's `toolInfo`, by function name (a null-prototype record). */
  toolInfo(): Record<string, SessionToolInfo> {
    const info = Object.create(null) as Record<string, SessionToolInfo>;
    for (const [functionName, settings] of this.#byFunctionName) {
      info[functionName] = { server: settings.server, tool: settings.tool, ...(settings.annotations ? { annotations: settings.annotations } : {}) };
    }
    return info;
  }
}

function refill<T>(record: Record<string, T>, byFunctionName: ReadonlyMap<string, ResolvedToolSettings>, pick: (settings: ResolvedToolSettings) => T | undefined): void {
  for (const name of Object.keys(record)) delete record[name];
  for (const [functionName, settings] of byFunctionName) {
    const value = pick(settings);
    if (value !== undefined) record[functionName] = value;
  }
}
