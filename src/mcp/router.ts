/**
 * Function name → `{ server, tool }`. The catalog's own naming answers by default; a static map or
 * a host function can route names the model knows to tools elsewhere (renamed tools, one function
 * name kept stable while the server behind it changes).
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
}

export type RouteResult =
  | { ok: true; tool: CatalogTool }
  | { ok: false; code: 'unknown_tool'; message: string; modelMessage: string };

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
        return tool ? { ok: true, tool } : unknownTool(functionName, `it routes to "${explicit.tool}" on "${explicit.server}", which that server does not offer (or it was left out)`);
      }
      const tool = catalog.byFunctionName(functionName);
      return tool ? { ok: true, tool } : unknownTool(functionName, 'no tool in the catalog has that function name');
    },
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
