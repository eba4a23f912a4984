/**
 * The client `@modelcontextprotocol/conformance` drives in client mode, built on our connection
 * layer (McpConnection), not on the raw SDK Client. The runner starts it as
 * `node --import tsx test/conformance/client.ts <server url>` once per scenario, with
 * MCP_CONFORMANCE_SCENARIO (the scenario name) and MCP_CONFORMANCE_CONTEXT (JSON, e.g. a
 * pre-registered client_id/client_secret) in the environment.
 *
 * What it does: connect, list every tool, call each one (`add_numbers` gets {a: 2, b: 3}), close.
 * `auth/*` scenarios get a headless OAuth provider: the "redirect" fetches the authorization URL
 * without following it and keeps the `code` from the Location header, which the connection's
 * `authorizationCode` hook hands back. `elicitation*` scenarios get an `elicitation` hook that
 * accepts with `{}` and lets the SDK fill in the schema's defaults (`applyDefaults`).
 *
 * Exit 0 on success; otherwise a message on stderr and exit 1. On success it prints
 * `conformance-client: ok <scenario>` (run.ts looks for it in the saved stdout).
 */
import type { OAuthClientProvider } from '@modelcontextprotocol/sdk/client/auth.js';
import type { OAuthClientInformationMixed, OAuthClientMetadata, OAuthTokens } from '@modelcontextprotocol/sdk/shared/auth.js';
import { McpConnection, type McpConnectionOptions } from '../../src/mcp/connection.js';

const REDIRECT_URL = 'http://localhost:3000/callback';

/** Plays the user and the browser: "visits" the authorization URL and reads the code off the redirect. */
export class HeadlessOAuthProvider implements OAuthClientProvider {
  /** The authorization code from the last redirect. */
  code: string | undefined;
  #info: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier: string | undefined;

  constructor(preRegistered?: { client_id: string; client_secret?: string }) {
    this.#info = preRegistered ? { ...preRegistered, redirect_uris: [REDIRECT_URL] } : undefined;
  }

  get redirectUrl(): string {
    return REDIRECT_URL;
  }

  /** Client ID Metadata Document (CIMD): without it `auth/basic-cimd` warns. */
  get clientMetadataUrl(): string {
    return 'https://conformance-test.local/client-metadata.json';
  }

  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: 'realtime-mcp-proxy-conformance',
      redirect_uris: [REDIRECT_URL],
    };
  }

  clientInformation(): OAuthClientInformationMixed | undefined {
    return this.#info;
  }

  saveClientInformation(info: OAuthClientInformationMixed): void {
    this.#info = info;
  }

  tokens(): OAuthTokens | undefined {
    return this.#tokens;
  }

  saveTokens(tokens: OAuthTokens): void {
    this.#tokens = tokens;
  }

  saveCodeVerifier(verifier: string): void {
    this.#verifier = verifier;
  }

  codeVerifier(): string {
    if (this.#verifier === undefined) throw new Error('no PKCE code verifier was saved');
    return this.#verifier;
  }

  async redirectToAuthorization(authorizationUrl: URL): Promise<void> {
    const response = await fetch(authorizationUrl, { redirect: 'manual' });
    await response.body?.cancel();
    const location = response.headers.get('location');
    this.code = location ? (new URL(location).searchParams.get('code') ?? undefined) : undefined;
  }
}

function readContext(): Record<string, unknown> {
  const raw = process.env.MCP_CONFORMANCE_CONTEXT;
  if (!raw) return {};
  const parsed: unknown = JSON.parse(raw);
  return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : {};
}

async function main(): Promise<void> {
  const url = process.argv.at(-1);
  if (url === undefined || !/^https?:\/\//.test(url)) throw new Error(`expected the server URL as the last argument, got ${JSON.stringify(url)}`);
  const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
  const context = readContext();

  const clientId = typeof context.client_id === 'string' ? context.client_id : undefined;
  const clientSecret = typeof context.client_secret === 'string' ? context.client_secret : undefined;
  const authProvider = scenario.startsWith('auth/')
    ? new HeadlessOAuthProvider(
        clientId === undefined
          ? undefined
          : {
              client_id: clientId,
              ...(clientSecret === undefined ? {} : { client_secret: clientSecret }),
            },
      )
    : undefined;

  const options: McpConnectionOptions = {};
  if (authProvider) options.authorizationCode = async () => authProvider.code;
  if (scenario.startsWith('elicitation')) {
    options.elicitation = {
      applyDefaults: true,
      handler: async () => ({ action: 'accept', content: {} }),
    };
  }

  const connection = new McpConnection({ label: 'conformance', url, ...(authProvider ? { authProvider } : {}) }, options);
  try {
    await connection.connect();
    const tools = await connection.listTools();
    for (const tool of tools) {
      const args = tool.name === 'add_numbers' ? { a: 2, b: 3 } : {};
      const result = await connection.callTool(tool.name, args, { timeoutMs: 10_000 });
      // A tool error is the server's answer, not a client failure: the runner's checks judge it.
      if (result.isError) console.error(`conformance-client: tool "${tool.name}" answered isError: ${JSON.stringify(result.content)}`);
    }
    console.log(`conformance-client: ok ${scenario} (${connection.transportKind}, ${tools.length} tool(s))`);
  } finally {
    await connection.close();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    const cause =
      error instanceof Error && error.cause !== undefined
        ? `\n  cause: ${error.cause instanceof Error ? (error.cause.stack ?? error.cause.message) : String(error.cause)}`
        : '';
    console.error(
      `conformance-client: FAILED ${process.env.MCP_CONFORMANCE_SCENARIO ?? ''}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}${cause}`,
    );
    process.exit(1);
  },
);
