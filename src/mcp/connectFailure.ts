/**
 * Why a connection to an MCP server failed, in words a user can act on: a local server that did
 * not start (its exit and last stderr lines say why far better than "Connection closed"), a server
 * that refused credentials or asked for some when none are configured, an HTTP status, or the
 * network error. The connection redacts the error before anyone sees it.
 */
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { ProxyError } from '../errors.js';
import { hasServerCredentials } from './serverConfig.js';
import { httpStatusOf, type McpServerExit } from './transports.js';
import type { McpServerConfig } from './types.js';

export function connectFailure(config: McpServerConfig, cause: unknown, exit: McpServerExit | undefined): ProxyError {
  const { label } = config;
  if (exit !== undefined || isSpawnFailure(cause)) {
    const why = isSpawnFailure(cause) || exit === undefined ? `its command could not be started (${(cause as Error).message}).` : `the server ${exit.how} before it answered.${exit.lastOutputText}`;
    const message = `Failed to connect to MCP server "${label}" (${config.command}): ${why} Please check the server's command, arguments and environment.`;
    return new ProxyError('mcp_connect_failed', message, { cause, data: { server: label, ...(exit ? { exitCode: exit.exitCode, signal: exit.signal } : {}) } });
  }
  const status = httpStatusOf(cause);
  const refused = cause instanceof UnauthorizedError || status === 401 || status === 403;
  const credentials = hasServerCredentials(config);
  const why = refused
    ? credentials
      ? `the server refused our credentials (HTTP ${status ?? 401})`
      : `the server asks for credentials (HTTP ${status ?? 401}), and none are configured for it`
    : status !== undefined
      ? `the server answered HTTP ${status}`
      : cause instanceof Error
        ? `${cause.message}${cause.cause instanceof Error ? ` (${cause.cause.message})` : ''}`
        : String(cause);
  const where = config.url ?? config.command ?? '';
  const please = !refused
    ? 'check that the server is running and the URL and credentials are right'
    : credentials
      ? 'check the credentials (expired, revoked, or for another server?)'
      : `give them: the server's "token" or "headers" option (CLI: --mcp-token ${label}=ENV_VAR, or "tokenEnv" or "headers" for it in the config file)`;
  return new ProxyError('mcp_connect_failed', `Failed to connect to MCP server "${label}" at ${where}: ${why}. Please ${please}.`, { cause, data: { server: label, status } });
}

/** The command itself could not be run (not found, not executable). */
function isSpawnFailure(error: unknown): boolean {
  return error instanceof Error && /^spawn\b/.test(error.message) && typeof (error as { code?: unknown }).code === 'string';
}
