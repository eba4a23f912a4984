/**
 * Function name → `{ server, tool }`. The catalog's own naming answers by default; a static map or
 * a host function can route names the model knows to tools elsewhere (renamed tools, one function
 * name kept stable while the server behind it changes). Whatever named the tool, the allowlist has
 * the last word: a tool it leaves out is refused (`not_allowed`), so no MCP request is ever sent.
 */
import type { ToolCatalog } from './catalog.js';
import type { CatalogTool } from './types.js';

export interface ToolRoute {
  server: string;
  /** The MCP tool name on that server. */
  tool: string;
}

export interface ToolRouterOptions {
  /** Fixed routes, tried before the catalog's names. */
  routes?: Record<string, ToolRoute>;
  /** Asked first; `undefined` falls through to `routes`, then to the catalog. */
  resolve?: (functionName: string) => ToolRoute | undefined;
  /**
   * Which tools may be called, however they were named (catalog name or route). Anything but
   * `true`, or a throw, refuses the call with `not_allowed`. Default: every catalog tool.
   */
  allowed?: (tool: CatalogTool) => boolean;
  /**
   * For a tool `allowed` refuses for another reason than the allowlist (a tool limit left it out):
   * why, and what to do, for the refusal's message. Default: the allowlist is why.
   */
  whyUnavailable?: (tool: CatalogTool) => { why: string; please: string } | undefined;
}

export type RouteResult =
  | { ok: true; tool: CatalogTool }
  | { ok: false; code: 'unknown_tool'; message: string; modelMessage: string }
  | { ok: false; code: 'not_allowed'; tool: CatalogTool; message: string; modelMessage: string };

export interface ToolRouter {
  route(functionName: string): RouteResult;
}

export function createToolRouter(catalog: ToolCatalog, options: ToolRouterOptions = {}): ToolRouter {
  return {
    route(functionName) {
      let explicit: ToolRoute | undefined;
      try {
        explicit = options.resolve?.(functionName) ?? (Object.hasOwn(options.routes ?? {}, functionName) ? options.routes![functionName] : undefined);
      } catch (cause) {
        return unknownTool(functionName, `the resolve function threw ${cause instanceof Error ? cause.message : String(cause)}`);
      }
      if (explicit !== undefined) {
        const tool = catalog.find(explicit.server, explicit.tool);
        if (tool === undefined) return unknownTool(functionName, `it routes to "${explicit.tool}" on "${explicit.server}", which that server does not offer (or it was left out)`);
        return allow(functionName, tool, true);
      }
      const tool = catalog.byFunctionName(functionName);
      if (tool === undefined) return unknownTool(functionName, 'no tool in the catalog has that function name');
      return allow(functionName, tool, false);
    },
  };

  function allow(functionName: string, tool: CatalogTool, routed: boolean): RouteResult {
    if (options.allowed === undefined) return { ok: true, tool };
    const where = `tool "${tool.mcpName}" on MCP server "${tool.server}"`;
    let verdict: unknown;
    try {
      verdict = options.allowed(tool);
    } catch (cause) {
      return notAllowed(functionName, tool, `the allowlist threw ${cause instanceof Error ? cause.name : typeof cause} on ${where}, so it is refused`);
    }
    if (verdict === true) return { ok: true, tool };
    const other = unavailable(tool);
    if (other !== undefined) return notAllowed(functionName, tool, `${routed ? `it routes to ${where}, and ` : `${where}: `}${other.why}`, other.please);
    return notAllowed(functionName, tool, routed ? `it routes to ${where}, which is not in allowedTools` : `${where} is not in allowedTools`);
  }

  function unavailable(tool: CatalogTool): { why: string; please: string } | undefined {
    try {
      return options.whyUnavailable?.(tool);
    } catch {
      return undefined;
    }
  }
}

function notAllowed(functionName: string, tool: CatalogTool, why: string, please = `add "${tool.server}/${tool.mcpName}" to allowedTools if the model may call it`): RouteResult {
  return {
    ok: false,
    code: 'not_allowed',
    tool,
    message: `Failed to call function "${functionName}": ${why}. Please ${please}.`,
    modelMessage: `The tool "${functionName}" is not available. Use one of the tools you were given.`,
  };
}

function unknownTool(functionName: string, why: string): RouteResult {
  return {
    ok: false,
    code: 'unknown_tool',
    message: `Failed to route function "${functionName}": ${why}. Please check the tool names sent in session.update and the routes.`,
    modelMessage: `There is no tool named "${functionName}". Use one of the tools you were given.`,
  };
}
