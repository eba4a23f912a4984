/**
 * Every tool a session may call, across its MCP servers: listed over all pages (or taken from the
 * cross-session cache), filtered (allow-list, task-only tools, schemas Realtime cannot take),
 * named for Realtime, and kept current when a server says its list changed.
 *
 * The order is deterministic: servers in the order they were configured, each server's tools in
 * the order it listed them, whichever server answered first and whichever re-listed since.
 */
import { Emitter } from '../emitter.js';
import { ProxyError } from '../errors.js';
import { silentLogger, type Logger } from '../logger.js';
import type { McpConnection } from './connection.js';
import { hashText } from './hash.js';
import { defaultToolListingCache, listingCacheKey, type ToolListingCache } from './listingCache.js';
import { mapToolNames } from './names.js';
import { toRealtimeParameters } from './parameters.js';
import type { CatalogTool, JsonSchema, McpServerConfig, RealtimeFunctionTool, Tool } from './types.js';

/** What the catalog and the caller need of a connection (an McpConnection, or a fake in tests). */
export type CatalogConnection = Pick<McpConnection, 'label' | 'config' | 'listTools' | 'callTool' | 'on'> & Partial<Pick<McpConnection, 'redactor'>>;

export interface DroppedTool {
  server: string;
  tool: string;
  reason: string;
}

export interface ToolCatalogDiff {
  server: string;
  added: CatalogTool[];
  removed: CatalogTool[];
  /** Same tool, new definition or new function name. */
  changed: CatalogTool[];
}

export type ToolCatalogEvents = {
  changed: [diff: ToolCatalogDiff];
  dropped: [dropped: DroppedTool];
  error: [ProxyError];
};

export interface ToolCatalogOptions {
  /** Listings shared across sessions; `false` lists every time. Default: one cache shared by the process. */
  cache?: ToolListingCache | false;
  /**
   * Prefix every function name with its server label (`label__tool`). Default false: adding a server
   * never renames the tools of the others (names two servers share get a hash suffix instead).
   */
  prefix?: boolean;
  /** Function names the host's own tools use: an MCP tool that would have one gets a hash suffix instead (names.ts). */
  reservedNames?: ReadonlySet<string>;
  logger?: Logger;
}

/** The listing of one server that is running, and the one queued behind it. */
interface ServerListing {
  running: Promise<void>;
  queued?: { fresh: boolean; done: Promise<void>; start: (run: Promise<void>) => void };
}

export class ToolCatalog extends Emitter<ToolCatalogEvents> {
  readonly #connections = new Map<string, CatalogConnection>();
  readonly #listed = new Map<string, readonly Tool[]>();
  readonly #listings = new Map<string, ServerListing>();
  readonly #detach: Array<() => void> = [];
  readonly #cache: ToolListingCache | undefined;
  readonly #prefix: boolean;
  readonly #reserved: ReadonlySet<string> | undefined;
  readonly #logger: Logger;
  #tools: CatalogTool[] = [];
  #byFunctionName = new Map<string, CatalogTool>();
  #dropped: DroppedTool[] = [];
  #closed = false;

  constructor(connections: readonly CatalogConnection[], options: ToolCatalogOptions = {}) {
    super();
    this.#cache = options.cache === false ? undefined : (options.cache ?? defaultToolListingCache);
    this.#prefix = options.prefix ?? false;
    this.#reserved = options.reservedNames;
    this.#logger = options.logger ?? silentLogger;
    for (const connection of connections) {
      this.#connections.set(connection.label, connection);
      const refresh = () => void this.refresh(connection.label);
      this.#detach.push(connection.on('toolsChanged', refresh), connection.on('reinitialized', refresh));
    }
  }

  /** Lists every server (from the cache when fresh). A server that fails is reported and left out; the others go on. */
  async load(): Promise<void> {
    await Promise.all([...this.#connections.keys()].map((label) => this.#load(label, false)));
  }

  /** Lists one server again, bypassing the cache, and emits what changed. */
  async refresh(server: string): Promise<void> {
    await this.#load(server, true);
  }

  get tools(): readonly CatalogTool[] {
    return this.#tools;
  }

  get dropped(): readonly DroppedTool[] {
    return this.#dropped;
  }

  /** The labels of every server, listed or not. */
  get servers(): readonly string[] {
    return [...this.#connections.keys()];
  }

  /** What a server last listed, tools left out of the catalog included; undefined while it has never listed successfully. */
  listedTools(server: string): readonly Tool[] | undefined {
    return this.#listed.get(server);
  }

  /** The tools as Realtime function tools, for `session.update`. */
  functionTools(): RealtimeFunctionTool[] {
    return this.#tools.map((tool) => ({ type: 'function', name: tool.functionName, description: tool.description, parameters: tool.parameters }));
  }

  byFunctionName(functionName: string): CatalogTool | undefined {
    return this.#byFunctionName.get(functionName);
  }

  find(server: string, mcpName: string): CatalogTool | undefined {
    return this.#tools.find((tool) => tool.server === server && tool.mcpName === mcpName);
  }

  connection(server: string): CatalogConnection | undefined {
    return this.#connections.get(server);
  }

  /** Resolves once no listing is running or queued (for tests and diagnostics). */
  async settled(): Promise<void> {
    for (let listing = this.#listings.values().next().value; listing !== undefined; listing = this.#listings.values().next().value) {
      await (listing.queued?.done ?? listing.running);
    }
  }

  /** Stops following the servers' changes (the connections stay open: they are not the catalog's). */
  close(): void {
    this.#closed = true;
    for (const detach of this.#detach.splice(0)) detach();
    this.removeAllListeners();
  }

  /**
   * At most one listing per server runs, and at most one waits behind it: every request made while
   * one runs shares the queued one, which starts when the running one ends and so sees every change
   * announced so far. A storm of list_changed costs two listings, not one per notice.
   */
  #load(server: string, fresh: boolean): Promise<void> {
    const listing = this.#listings.get(server);
    if (listing === undefined) return this.#startListing(server, fresh);
    if (listing.queued !== undefined) {
      listing.queued.fresh ||= fresh;
      return listing.queued.done;
    }
    let start!: (run: Promise<void>) => void;
    const done = new Promise<void>((resolve) => (start = resolve));
    listing.queued = { fresh, done, start };
    return done;
  }

  #startListing(server: string, fresh: boolean): Promise<void> {
    const listing: ServerListing = { running: undefined as unknown as Promise<void> };
    this.#listings.set(server, listing);
    // Whatever a listing ends in, the next one must be able to start: a rejection here would wedge the server's listings.
    const listed = this.#list(server, fresh).catch((error: unknown) => void this.emit('error', toProxyError(error, server)));
    listing.running = listed.then(() => {
      this.#listings.delete(server);
      const queued = listing.queued;
      if (queued === undefined) return;
      // After close() nobody listens any more: the queued requests end without a listing.
      queued.start(this.#closed ? Promise.resolve() : this.#startListing(server, queued.fresh));
    });
    return listing.running;
  }

  async #list(server: string, fresh: boolean): Promise<void> {
    const connection = this.#connections.get(server);
    if (connection === undefined) return;
    const key = listingCacheKey(connection.config);
    let tools = fresh ? undefined : this.#cache?.get(key);
    if (tools === undefined) {
      try {
        // A listing is text the model reads (descriptions, schemas): a server that echoes its
        // credentials there must not pass them on.
        const listed = await connection.listTools();
        tools = connection.redactor ? connection.redactor.scrubValue(listed) : listed;
      } catch (error) {
        this.#logger.warn({ server, error: String(error) }, 'Failed to list tools');
        this.emit('error', toProxyError(error, server));
        return;
      }
      this.#cache?.set(key, tools);
    }
    this.#listed.set(server, tools);
    this.#rebuild(server);
  }

  #rebuild(changedServer: string): void {
    const before = new Map(this.#tools.map((tool) => [qualified(tool.server, tool.mcpName), tool]));
    const dropped: DroppedTool[] = [];
    const kept: Array<{ server: string; tool: Tool; parameters: JsonSchema }> = [];
    // Configured server order, then each server's own listing order: never the order the listings
    // finished in, which varies from run to run (a recording would not replay, the model's prompt
    // would change between identical sessions).
    for (const [server, connection] of this.#connections) {
      const tools = this.#listed.get(server);
      if (tools === undefined) continue;
      const config = connection.config;
      for (const tool of tools) {
        const reason = whyDropped(tool, config);
        const parameters = reason === undefined ? toRealtimeParameters(tool.inputSchema) : undefined;
        if (reason !== undefined) dropped.push({ server, tool: tool.name, reason });
        else if (parameters && !parameters.ok) dropped.push({ server, tool: tool.name, reason: parameters.reason });
        else if (parameters) kept.push({ server, tool, parameters: parameters.parameters });
      }
    }
    const names = mapToolNames(
      kept.map(({ server, tool }) => ({ server, tool: tool.name })),
      { prefix: this.#prefix, ...(this.#reserved ? { reserved: this.#reserved } : {}) },
    );
    this.#tools = kept.map(({ server, tool, parameters }) => catalogTool(server, tool, parameters, names.functionName(server, tool.name)!));
    this.#byFunctionName = new Map(this.#tools.map((tool) => [tool.functionName, tool]));
    const newlyDropped = dropped.filter((d) => !this.#dropped.some((o) => o.server === d.server && o.tool === d.tool && o.reason === d.reason));
    this.#dropped = dropped;
    for (const entry of newlyDropped) {
      this.#logger.info({ server: entry.server, tool: entry.tool, reason: entry.reason }, 'Left a tool out of the catalog');
      this.emit('dropped', entry);
    }
    const diff = diffTools(changedServer, before, this.#tools);
    if (diff.added.length + diff.removed.length + diff.changed.length > 0) this.emit('changed', diff);
  }
}

function whyDropped(tool: Tool, config: McpServerConfig): string | undefined {
  const allowed = config.allowedTools;
  if (Array.isArray(allowed) && !allowed.includes(tool.name)) return 'it is not in allowedTools';
  if (typeof allowed === 'function') {
    try {
      if (allowed(tool) !== true) return 'the allowedTools function refused it';
    } catch (error) {
      return `the allowedTools function threw ${error instanceof Error ? error.name : typeof error}, so it is left out`;
    }
  }
  if (tool.execution?.taskSupport === 'required') return 'it only runs as an MCP task (execution.taskSupport "required"), which a voice call cannot wait for';
  return undefined;
}

function catalogTool(server: string, tool: Tool, parameters: JsonSchema, functionName: string): CatalogTool {
  return {
    server,
    mcpName: tool.name,
    functionName,
    description: tool.description ?? tool.title ?? tool.annotations?.title ?? '',
    inputSchema: tool.inputSchema as JsonSchema,
    parameters,
    ...(tool.outputSchema ? { outputSchema: tool.outputSchema as JsonSchema } : {}),
    ...(tool.annotations ? { annotations: tool.annotations } : {}),
    version: hashText(JSON.stringify(tool)),
    definition: tool,
  };
}

function diffTools(server: string, before: Map<string, CatalogTool>, after: readonly CatalogTool[]): ToolCatalogDiff {
  const diff: ToolCatalogDiff = { server, added: [], removed: [], changed: [] };
  const seen = new Set<string>();
  for (const tool of after) {
    const key = qualified(tool.server, tool.mcpName);
    seen.add(key);
    const old = before.get(key);
    if (old === undefined) diff.added.push(tool);
    else if (old.version !== tool.version || old.functionName !== tool.functionName) diff.changed.push(tool);
  }
  for (const [key, tool] of before) if (!seen.has(key)) diff.removed.push(tool);
  return diff;
}

function qualified(server: string, tool: string): string {
  return `${server}\u0000${tool}`;
}

function toProxyError(error: unknown, server: string): ProxyError {
  if (ProxyError.isInstance(error)) return error;
  const why = error instanceof Error ? error.message : String(error);
  return new ProxyError('mcp_connect_failed', `Failed to list the tools of MCP server "${server}": ${why}. Please check the server.`, {
    cause: error,
    data: { server },
  });
}
