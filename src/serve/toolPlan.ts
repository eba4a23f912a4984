/**
 * The tools of a session before it starts: the configured servers' catalog (kept by serve), or,
 * when the request brings MCP servers of its own, a catalog of the configured and the run-time
 * servers together, listed once through the address-checked fetch (the names are those the
 * session's proxy will compute: same servers, same order). The picks (`tools`) and the configured
 * allowlist narrow it; the tool limits cut it as a session would. Also what `GET /tools` reports.
 */
import type { ProxyError } from '../errors.js';
import { summarizeTools } from '../cli/doctorTools.js';
import { ToolCatalog } from '../mcp/catalog.js';
import type { McpConnection } from '../mcp/connection.js';
import { ToolListingCache } from '../mcp/listingCache.js';
import type { ResolvedToolLimits } from '../mcp/toolLimits.js';
import type { CatalogTool, JsonSchema, McpServerConfig, RealtimeFunctionTool, ToolAnnotations } from '../mcp/types.js';
import { SessionToolSettings } from '../proxy/sessionToolSettings.js';
import { ServeHttpError } from './httpErrors.js';
import type { RuntimeMcpServer, SessionRequest } from './requests.js';

export interface ToolPlanOptions {
  readonly configuredServers: readonly McpServerConfig[];
  /** The configured servers' catalog, loaded at start and kept current. */
  readonly serverCatalog: ToolCatalog;
  /** The configured allowlist, "server/tool" keys (undefined: every tool). */
  readonly allowedTools?: readonly string[];
  readonly prefixToolNames: boolean;
  readonly toolLimits: ResolvedToolLimits;
  /** A connection for a server of a request (run-time servers go through the checked fetch). */
  readonly connect: (config: McpServerConfig) => McpConnection;
}

export interface ToolPlan {
  /** The configured servers, then the request's. */
  readonly servers: McpServerConfig[];
  /** What the session may call: the configured allowlist and the picks, by MCP identity. */
  readonly allowed: (tool: CatalogTool) => boolean;
  /** What the session offers, after the tool limits. */
  readonly functionTools: RealtimeFunctionTool[];
  /** The catalog the plan was made from (for POST /tools). */
  readonly catalog: ToolCatalog;
  /** Listings made for this plan, for the session's proxy to start from (no second round trip). */
  readonly cache: ToolListingCache;
  /** Closes the connections made for the plan. */
  release(): Promise<void>;
}

const identity = (tool: { server: string; mcpName: string }) => `${tool.server}/${tool.mcpName}`;

export function runtimeServerConfig(server: RuntimeMcpServer): McpServerConfig {
  return { label: server.label, url: server.url, ...(server.headers ? { headers: server.headers } : {}) };
}

export async function planTools(request: SessionRequest, options: ToolPlanOptions): Promise<ToolPlan> {
  const configuredLabels = new Set(options.configuredServers.map((server) => server.label));
  for (const server of request.mcpServers) {
    if (configuredLabels.has(server.label)) throw new ServeHttpError(400, 'invalid_request', `Failed to read the request: the label "${server.label}" is taken by a configured MCP server. Please choose another label.`);
  }
  const runtime = request.mcpServers.map(runtimeServerConfig);
  const servers = [...options.configuredServers, ...runtime];
  const cache = new ToolListingCache();
  let catalog = options.serverCatalog;
  let connections: McpConnection[] = [];
  if (runtime.length > 0) {
    connections = servers.map((config) => options.connect(config));
    catalog = new ToolCatalog(connections, { cache, prefix: options.prefixToolNames });
    const errors: ProxyError[] = [];
    catalog.on('error', (error) => void errors.push(error));
    await catalog.load();
    const failed = errors.find((error) => runtime.some((server) => (error.data as { server?: string } | undefined)?.server === server.label));
    if (failed) {
      await release(connections, catalog);
      throw new ServeHttpError(502, 'session_failed', failed.message);
    }
  }
  const configured = options.allowedTools ? new Set(options.allowedTools) : undefined;
  const picks = request.tools ? new Set(request.tools) : undefined;
  if (picks) {
    const listed = new Set(catalog.tools.map(identity));
    const unknown = [...picks].filter((pick) => !listed.has(pick));
    if (unknown.length > 0) {
      await release(connections, catalog);
      throw new ServeHttpError(400, 'invalid_request', `Failed to read the request: tools names ${unknown.slice(0, 5).map((name) => JSON.stringify(name)).join(', ')}, which no server lists. Please pick from GET /tools (or POST /tools for your own servers), as "server/tool".`);
    }
  }
  const allowed = (tool: CatalogTool) => (configured === undefined || configured.has(identity(tool))) && (picks === undefined || picks.has(identity(tool)));
  const settings = new SessionToolSettings({ allowedTools: allowed }, options.toolLimits);
  settings.update(catalog);
  return { servers, allowed, functionTools: settings.sessionTools(catalog), catalog, cache, release: () => release(connections, catalog === options.serverCatalog ? undefined : catalog) };
}

async function release(connections: readonly McpConnection[], catalog: ToolCatalog | undefined): Promise<void> {
  catalog?.close();
  await Promise.all(connections.map((connection) => connection.close().catch(() => undefined)));
}

/** One tool as `GET /tools` shows it. */
export interface ToolEntry {
  functionName: string;
  server: string;
  mcpName: string;
  description: string;
  inputSchema: JsonSchema;
  annotations?: ToolAnnotations;
  /** Whether a session offers it (the allowlist and the tool limits let it through). */
  offered: boolean;
  /** Why the function name is not the MCP name. */
  renamed?: string;
  /** Why a session does not offer it. */
  leftOut?: string;
}

export interface ToolsReport {
  servers: Array<{ label: string; source: 'config' | 'request'; listed: boolean }>;
  tools: ToolEntry[];
  /** Tools a server listed that the catalog cannot use, with why. */
  dropped: Array<{ server: string; tool: string; reason: string }>;
}

/** The catalog for a tool picker: every usable tool with its schema, whether a session offers it, and what was renamed or left out, with why. */
export function describeTools(catalog: ToolCatalog, allowed: (tool: CatalogTool) => boolean, limits: ResolvedToolLimits, configuredLabels: ReadonlySet<string>): ToolsReport {
  const settings = new SessionToolSettings({ allowedTools: allowed }, limits);
  settings.update(catalog);
  const offered = new Set(settings.sessionTools(catalog).map((tool) => tool.name));
  const notes = new Map<string, { renamed?: string; leftOut?: string }>();
  for (const server of catalog.servers) {
    const listed = catalog.listedTools(server);
    if (listed === undefined) continue;
    for (const report of summarizeTools(listed, catalog, server, limits).tools) {
      notes.set(`${server}/${report.name}`, { ...(report.renamed ? { renamed: report.renamed } : {}), ...(report.leftOut ? { leftOut: report.leftOut } : {}) });
    }
  }
  const tools = catalog.tools.map((tool): ToolEntry => {
    const note = notes.get(identity(tool)) ?? {};
    const isOffered = offered.has(tool.functionName);
    const leftOut = isOffered ? undefined : !allowed(tool) ? 'Left out: not in the allowed tools (the allowlist or the tools picked).' : (note.leftOut ?? 'Left out by the tool limits.');
    return {
      functionName: tool.functionName,
      server: tool.server,
      mcpName: tool.mcpName,
      description: tool.description,
      inputSchema: tool.inputSchema,
      ...(tool.annotations ? { annotations: tool.annotations } : {}),
      offered: isOffered,
      ...(note.renamed ? { renamed: note.renamed } : {}),
      ...(leftOut ? { leftOut } : {}),
    };
  });
  return {
    servers: catalog.servers.map((label) => ({ label, source: configuredLabels.has(label) ? 'config' : 'request', listed: catalog.listedTools(label) !== undefined })),
    tools,
    dropped: catalog.dropped.map(({ server, tool, reason }) => ({ server, tool, reason })),
  };
}
