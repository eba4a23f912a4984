/**
 * Realtime function names must match `^[a-zA-Z0-9_-]{1,64}$`, while MCP tool names may be longer,
 * may hold any character, and are only unique per server. This maps one onto the other, both
 * ways. The mapping depends only on the set of tools, not on the order the servers listed them
 * in, so a reconnect or a `list_changed` never renames a tool the model has already seen.
 */

import { fnv1a32 } from './hash.js';

export const FUNCTION_NAME_PATTERN = /^[a-zA-Z0-9_-]{1,64}$/;

export interface QualifiedToolName {
  server: string;
  tool: string;
}

export interface ToolNameOptions {
  /** Prefix every name with `${server}__`, so the model can tell the servers apart. Default false. */
  prefix?: boolean;
  /**
   * Function names no MCP tool may take (the host's own function tools): a tool that would be called
   * so gets the hash suffix a shared name gets, so the host's name keeps meaning the host's tool.
   */
  reserved?: ReadonlySet<string>;
}

export interface ToolNameMap {
  /** The Realtime function name of an MCP tool, or undefined when the tool was not mapped. */
  functionName(server: string, tool: string): string | undefined;
  /** The MCP tool behind a Realtime function name, or undefined when no tool has that name. */
  resolve(functionName: string): QualifiedToolName | undefined;
  readonly size: number;
  /** Sorted by server, then tool. */
  entries(): IterableIterator<[functionName: string, name: QualifiedToolName]>;
}

const MAX_LENGTH = 64;
const SERVER_SEPARATOR = '__';
const HASH_CHUNK_LENGTH = 6;
const HASH_CHUNK_RANGE = 36 ** HASH_CHUNK_LENGTH;

/**
 * A name keeps its sanitised form when that is valid, no other tool shares it and it is not
 * reserved. Otherwise (too long, empty, shared, or reserved) every tool that would have had it gets a hash suffix instead, so
 * no tool wins the plain name just by sorting first.
 */
export function mapToolNames(tools: Iterable<QualifiedToolName>, options: ToolNameOptions = {}): ToolNameMap {
  const names = sortedUnique(tools);
  const bases = names.map((name) => baseName(name, options.prefix ?? false));
  const sharers = new Map<string, number>();
  for (const base of bases) sharers.set(base, (sharers.get(base) ?? 0) + 1);
  const reserved = options.reserved ?? new Set<string>();

  const functionNames: string[] = [];
  // Reserved names are taken before any tool is named: neither a plain nor a hashed name can be one.
  const taken = new Set<string>(reserved);
  const hashed: number[] = [];
  bases.forEach((base, index) => {
    if (FUNCTION_NAME_PATTERN.test(base) && sharers.get(base) === 1 && !reserved.has(base)) {
      functionNames[index] = base;
      taken.add(base);
    } else {
      hashed.push(index);
    }
  });
  // Plain names are all taken before any hashed name is chosen, so a tool that happens to be
  // called like another tool's hashed name keeps its own name and the hashed one moves.
  for (const index of hashed) {
    const functionName = hashedName(names[index]!, bases[index]!, taken);
    functionNames[index] = functionName;
    taken.add(functionName);
  }
  return new ToolNames(names, functionNames);
}

class ToolNames implements ToolNameMap {
  readonly #byFunctionName = new Map<string, QualifiedToolName>();
  readonly #byServer = new Map<string, Map<string, string>>();

  constructor(names: readonly QualifiedToolName[], functionNames: readonly string[]) {
    names.forEach((name, index) => {
      const functionName = functionNames[index]!;
      this.#byFunctionName.set(functionName, name);
      let tools = this.#byServer.get(name.server);
      if (!tools) this.#byServer.set(name.server, (tools = new Map()));
      tools.set(name.tool, functionName);
    });
  }

  get size(): number {
    return this.#byFunctionName.size;
  }

  functionName(server: string, tool: string): string | undefined {
    return this.#byServer.get(server)?.get(tool);
  }

  resolve(functionName: string): QualifiedToolName | undefined {
    return this.#byFunctionName.get(functionName);
  }

  entries(): IterableIterator<[functionName: string, name: QualifiedToolName]> {
    return this.#byFunctionName.entries();
  }
}

function sortedUnique(tools: Iterable<QualifiedToolName>): QualifiedToolName[] {
  // Nested maps rather than a joined key: a separator character could appear in the names.
  const seen = new Map<string, Set<string>>();
  const unique: QualifiedToolName[] = [];
  for (const { server, tool } of tools) {
    let serverTools = seen.get(server);
    if (!serverTools) seen.set(server, (serverTools = new Set()));
    if (serverTools.has(tool)) continue;
    serverTools.add(tool);
    unique.push(Object.freeze({ server, tool }));
  }
  // Code-unit order, not localeCompare: the result must not depend on the runtime's locale.
  return unique.sort((a, b) => compare(a.server, b.server) || compare(a.tool, b.tool));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function baseName({ server, tool }: QualifiedToolName, prefix: boolean): string {
  return sanitise(prefix ? `${server}${SERVER_SEPARATOR}${tool}` : tool);
}

function sanitise(name: string): string {
  // The `u` flag turns an astral character (an emoji) into one `_`, not two.
  return name.replace(/[^a-zA-Z0-9_-]/gu, '_');
}

/**
 * `base_hash`, with the base cut so the whole fits in 64 characters. An empty base gives `_hash`.
 * A hash already taken (astronomically rare) grows by one chunk at a time; past what fits, a
 * counter settles it, so the loop always ends with a free name.
 */
function hashedName(name: QualifiedToolName, base: string, taken: ReadonlySet<string>): string {
  const input = `${name.server}\u0000${name.tool}`;
  let hash = '';
  for (let seed = 0; hash.length + HASH_CHUNK_LENGTH < MAX_LENGTH; seed++) {
    hash += hashChunk(input, seed);
    const candidate = withSuffix(base, hash);
    if (!taken.has(candidate)) return candidate;
  }
  const shortHash = hashChunk(input, 0);
  for (let counter = 1; ; counter++) {
    const candidate = withSuffix(base, `${shortHash}${counter.toString(36)}`);
    if (!taken.has(candidate)) return candidate;
  }
}

function withSuffix(base: string, suffix: string): string {
  return `${base.slice(0, MAX_LENGTH - 1 - suffix.length)}_${suffix}`;
}

function hashChunk(input: string, seed: number): string {
  return (fnv1a32(input, seed) % HASH_CHUNK_RANGE).toString(36).padStart(HASH_CHUNK_LENGTH, '0');
}
