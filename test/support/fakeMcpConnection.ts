/**
 * A stand-in for McpConnection in unit tests of the catalog and the caller: it lists whatever
 * `tools` holds at the time and answers calls through `onCall`, recording both.
 */
import { Emitter } from '../../src/emitter.js';
import type { CatalogConnection } from '../../src/mcp/catalog.js';
import type { CallToolOptions, McpConnectionEvents } from '../../src/mcp/connection.js';
import type { CallToolResult, McpServerConfig, Tool } from '../../src/mcp/types.js';

export class FakeMcpConnection extends Emitter<McpConnectionEvents> implements CatalogConnection {
  listings = 0;
  failWith: Error | undefined;
  readonly calls: Array<{ name: string; args: Record<string, unknown>; options: CallToolOptions }> = [];
  onCall: (name: string, args: Record<string, unknown>, options: CallToolOptions) => Promise<CallToolResult> = async (name) => ({
    content: [{ type: 'text', text: `ran ${name}` }],
  });

  constructor(
    readonly config: McpServerConfig,
    public tools: Tool[],
  ) {
    super();
  }

  get label(): string {
    return this.config.label;
  }

  async listTools(): Promise<Tool[]> {
    this.listings++;
    if (this.failWith) throw this.failWith;
    return this.tools;
  }

  async callTool(name: string, args: Record<string, unknown>, options: CallToolOptions): Promise<CallToolResult> {
    this.calls.push({ name, args, options });
    return this.onCall(name, args, options);
  }
}

export const fakeTool = (name: string, extra: Partial<Tool> = {}): Tool => ({
  name,
  description: `does ${name}`,
  inputSchema: { type: 'object', properties: {} },
  ...extra,
});
