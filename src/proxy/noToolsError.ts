/**
 * Why a session would have no tool, as the error start() rejects with under `requireTools`: no
 * MCP server could be reached, the ones reached list nothing, or the allowlist leaves nothing.
 */
import { ProxyError } from '../errors.js';
import type { ToolCatalog } from '../mcp/catalog.js';

export function noToolsError(catalog: Pick<ToolCatalog, 'servers' | 'listedTools' | 'tools'>): ProxyError {
  const { servers } = catalog;
  const reached = servers.filter((server) => catalog.listedTools(server) !== undefined);
  if (reached.length === 0) {
    const none = servers.length === 1 ? `the MCP server "${servers[0]}" could not be reached` : `none of the ${servers.length} MCP servers (${servers.join(', ')}) could be reached`;
    return new ProxyError(
      'no_tools',
      `Failed to start the session: ${none} (each failure is reported on its own). Please check that ${servers.length === 1 ? 'it is' : 'they are'} running, and the URLs, commands and credentials.`,
      { data: { servers: [...servers], reached } },
    );
  }
  const others = servers.length > reached.length ? ', and the others could not be reached' : '';
  const why =
    catalog.tools.length === 0
      ? `the MCP server${reached.length === 1 ? '' : 's'} reached (${reached.join(', ')}) list${reached.length === 1 ? 's' : ''} no tool${others}`
      : `the allowed tools leave none of the ${catalog.tools.length} tools listed`;
  return new ProxyError('no_tools', `Failed to start the session: it would have no tool, as ${why}. Please check the servers and their allowed tools.`, {
    data: { servers: [...servers], reached },
  });
}
