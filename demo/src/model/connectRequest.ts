/** The connect form's MCP rows as serve's `mcpServers`, checked as serve will (so mistakes show before a round trip). */
import type { McpServerRequest } from '../api/serveClient';

export interface McpRow {
  url: string;
  /** Optional: derived from the position when empty. */
  label: string;
  headerName: string;
  headerValue: string;
}

export const emptyRow = (url = ''): McpRow => ({ url, label: '', headerName: '', headerValue: '' });

const LABEL = /^[A-Za-z0-9_-]{1,32}$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,64}$/;

export interface RowsChecked {
  servers: McpServerRequest[];
  /** One message per problem, naming the row (never quoting a header value). */
  problems: string[];
}

export function rowsToServers(rows: readonly McpRow[]): RowsChecked {
  const servers: McpServerRequest[] = [];
  const problems: string[] = [];
  const labels = new Set<string>();
  rows.forEach((row, index) => {
    const url = row.url.trim();
    if (url === '') return;
    const where = `MCP server ${index + 1}`;
    if (!isHttpUrl(url)) {
      problems.push(`Failed to use ${where}: its URL is not an http:// or https:// address. Please enter the server's MCP endpoint, e.g. http://127.0.0.1:3001/mcp.`);
      return;
    }
    const label = row.label.trim() || `mcp${index + 1}`;
    if (!LABEL.test(label)) {
      problems.push(`Failed to use ${where}: its label must be 1–32 letters, digits, "_" or "-". Please change it.`);
      return;
    }
    if (labels.has(label)) {
      problems.push(`Failed to use ${where}: the label "${label}" is used twice. Please give each server its own.`);
      return;
    }
    labels.add(label);
    const name = row.headerName.trim();
    const value = row.headerValue;
    if (name === '' && value === '') {
      servers.push({ label, url });
      return;
    }
    if (!HEADER_NAME.test(name) || value === '' || /[\r\n\u0000]/.test(value)) {
      problems.push(`Failed to use ${where}: a header needs a name (letters, digits, "-") and a value on one line. Please complete or clear it.`);
      return;
    }
    servers.push({ label, url, headers: Object.fromEntries([[name, value]]) });
  });
  return { servers, problems };
}

function isHttpUrl(text: string): boolean {
  try {
    const url = new URL(text);
    return (url.protocol === 'http:' || url.protocol === 'https:') && text.length <= 2048;
  } catch {
    return false;
  }
}
