/**
 * `realtime-mcp-proxy doctor` against real servers on 127.0.0.1: server-everything over Streamable
 * HTTP (from npm), the mock MCP server in its modes (legacy SSE, bearer auth, JSON answers, odd
 * tools), a raw HTTP server that never answers, and a port where nothing listens. What the doctor
 * says is checked against what an independent SDK client sees, not against the doctor itself.
 */
import { createServer, type Server } from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { SUPPORTED_PROTOCOL_VERSIONS, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpConfig, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { freePort, startEverything, type RunningServer } from '../../test/support/mcpServers.js';
import { FUNCTION_NAME_PATTERN } from '../mcp/names.js';
import { doctorMain } from './doctor.js';
import type { DoctorReport } from './doctorReport.js';
import { main } from './main.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function doctor(args: string[]): Promise<Run> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['doctor', ...args], {}, (text) => out.push(text), (text) => err.push(text));
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

async function doctorJson(args: string[]): Promise<Run & { report: DoctorReport }> {
  const run = await doctor([...args, '--json']);
  return { ...run, report: JSON.parse(run.stdout) as DoctorReport };
}

let mock: MockMcpServer | undefined;
afterEach(async () => {
  await mock?.close();
  mock = undefined;
});
async function startMock(config: MockMcpConfig): Promise<MockMcpServer> {
  mock = await startMockMcpServer(config);
  return mock;
}

describe('doctor against server-everything (Streamable HTTP)', () => {
  let everything: RunningServer;
  let truth: { tools: Tool[]; protocolVersion: string | undefined };

  beforeAll(async () => {
    everything = await startEverything('streamableHttp');
    // What an independent SDK client sees, to hold the doctor's report against.
    const transport = new StreamableHTTPClientTransport(new URL(everything.url));
    const client = new Client({ name: 'doctor-test', version: '0' });
    await client.connect(transport);
    truth = { tools: (await client.listTools()).tools, protocolVersion: transport.protocolVersion };
    await transport.terminateSession().catch(() => undefined);
    await client.close();
  }, 20_000);
  afterAll(async () => {
    await everything?.stop();
  });

  it('reports the transport, protocol version, tools and timings, and exits 0', async () => {
    const run = await doctor([everything.url]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^\s+transport\s+Streamable HTTP$/m);
    expect(run.stdout).toMatch(/^\s+answers\s+POST answers are SSE streams \(text\/event-stream\)$/m);
    expect(truth.protocolVersion).toBeDefined();
    expect(run.stdout).toMatch(new RegExp(`^\\s+protocol\\s+${truth.protocolVersion}\\b`, 'm'));
    expect(run.stdout).toMatch(/^\s+initialize\s+\d+ ms$/m);
    expect(run.stdout).toMatch(/^\s+tools\/list\s+\d+ ms \(1 page\)$/m);
    const taskOnly = truth.tools.filter((tool) => tool.execution?.taskSupport === 'required');
    const usable = truth.tools.length - taskOnly.length;
    expect(run.stdout).toContain(`Tools: ${truth.tools.length} listed, ${usable} usable, ~`);
    expect(run.stdout).toMatch(/tokens in session\.update \(estimate: /);
    // Every tool the server lists has a line; task-only ones are left out, with the reason.
    for (const tool of truth.tools) expect(run.stdout).toMatch(new RegExp(`^  (ok|adapted|renamed|left out)\\s+${tool.name}\\b`, 'm'));
    for (const tool of taskOnly) expect(run.stdout).toMatch(new RegExp(`^  left out\\s+${tool.name}\\n\\s+Left out: it only runs as an MCP task`, 'm'));
    expect(run.stdout).toContain(`Result: usable: ${usable} of ${truth.tools.length} tools can be exposed to Realtime.`);
    // Progress goes to stderr, one line per step.
    expect(run.stderr).toContain(`doctor: connecting to ${everything.url}`);
    expect(run.stderr).toContain('doctor: listing tools');
  });

  it('--json prints one JSON report with the same facts', async () => {
    const { code, report, stdout } = await doctorJson([everything.url]);
    expect(code).toBe(0);
    expect(stdout.trimStart().startsWith('{')).toBe(true);
    expect(report.usable).toBe(true);
    expect(report.connection).toMatchObject({ ok: true, transport: 'streamable-http', protocolVersion: truth.protocolVersion, responseFormat: 'sse', session: true });
    expect(SUPPORTED_PROTOCOL_VERSIONS).toContain(report.connection.protocolVersion);
    expect(report.connection.capabilities).toContain('tools (listChanged)');
    expect(report.timings.initializeMs).toBeGreaterThanOrEqual(0);
    expect(report.timings.listToolsMs).toBeGreaterThanOrEqual(0);
    expect(report.timings.listPages).toBe(1);
    expect(report.tools!.listed).toBe(truth.tools.length);
    expect(report.tools!.tools.map((tool) => tool.name).sort()).toEqual(truth.tools.map((tool) => tool.name).sort());
    expect(report.tools!.tools.filter((tool) => !tool.usable).map((tool) => tool.name)).toEqual(
      truth.tools.filter((tool) => tool.execution?.taskSupport === 'required').map((tool) => tool.name),
    );
    // The estimate covers the usable tools only, and is roughly the size of their JSON.
    const perTool = report.tools!.tools.reduce((sum, tool) => sum + (tool.estimatedTokens ?? 0), 0);
    expect(report.tools!.estimatedTokens).toBeGreaterThanOrEqual(perTool - report.tools!.usable);
    expect(report.tools!.estimatedTokens).toBeLessThanOrEqual(perTool + report.tools!.usable);
    expect(report.tools!.estimateNote).toMatch(/estimate/);
    expect(report.http.find((exchange) => exchange.rpc.includes('initialize'))).toMatchObject({ method: 'POST', status: 200, contentType: 'text/event-stream' });
    expect(report.problems.filter((problem) => problem.level === 'error')).toEqual([]);
  });
});

describe('doctor against the mock MCP server', () => {
  it('reports the fallback to legacy SSE for an SSE-only server', async () => {
    const server = await startMock({ mode: 'sse', tools: [{ name: 'echo', description: 'Says it back.' }] });
    const run = await doctor([server.url]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^\s+transport\s+legacy HTTP\+SSE \(fallback: the Streamable HTTP POST got HTTP 405\)$/m);
    expect(run.stdout).toMatch(/note\s+The server speaks only the legacy HTTP\+SSE transport/);
    const { report } = await doctorJson([server.url]);
    expect(report.connection).toMatchObject({ ok: true, transport: 'sse', fallbackFromStatus: 405, responseFormat: 'legacy-sse' });
    expect(report.tools).toMatchObject({ listed: 1, usable: 1 });
  });

  describe('a server that requires a bearer token', () => {
    const TOKEN = 'tok-DOCTOR-secret-0123456789';
    const bearerServer = () => startMock({ requireBearer: TOKEN, jsonResponse: true, tools: [{ name: 'get_weather', description: 'The weather.' }] });

    it('without --token: explains the 401 and exits 1', async () => {
      const server = await bearerServer();
      const run = await doctor([server.url]);
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`Failed to connect to ${server.url}: the server requires credentials (HTTP 401) and none were given. Please pass --token TOKEN`);
      expect(run.stdout).toContain('Result: not usable: could not connect');
      const { report } = await doctorJson([server.url]);
      expect(report.usable).toBe(false);
      expect(report.connection.ok).toBe(false);
      expect(report.problems[0]).toMatchObject({ level: 'error', topic: 'auth' });
    });

    it('with --token: works, and the token is printed nowhere (text, --json, progress)', async () => {
      const server = await bearerServer();
      const run = await doctor([server.url, '--token', TOKEN]);
      expect(run.code, run.stdout).toBe(0);
      expect(run.stdout).toContain('(sending bearer token; values hidden)');
      expect(run.stdout).toMatch(/^\s+answers\s+POST answers are plain JSON \(application\/json\)$/m);
      const json = await doctorJson([server.url, '--token', TOKEN]);
      expect(json.code).toBe(0);
      expect(json.report.credentials).toEqual({ token: true, headers: [] });
      expect(json.report.connection.responseFormat).toBe('json');
      for (const output of [run.stdout, run.stderr, json.stdout, json.stderr]) expect(output).not.toContain(TOKEN);
    });

    it('with a wrong token or an Authorization header: says which, and prints neither value', async () => {
      const server = await bearerServer();
      const wrong = await doctor([server.url, '--token', 'tok-WRONG-9876543210']);
      expect(wrong.code).toBe(1);
      expect(wrong.stdout).toContain('the server refused the credentials given (HTTP 401)');
      expect(wrong.stdout + wrong.stderr).not.toContain('tok-WRONG-9876543210');
      const header = await doctorJson([server.url, '--header', `Authorization: Bearer ${TOKEN}`]);
      expect(header.code).toBe(0);
      expect(header.report.credentials).toEqual({ token: false, headers: ['Authorization'] });
      expect(header.stdout + header.stderr).not.toContain(TOKEN);
    });
  });

  it('reports renamed tools, adapted schemas, and the tools it leaves out with why', async () => {
    const long = `lookup_${'x'.repeat(70)}`;
    const server = await startMock({
      tools: [
        { name: 'get_weather', description: 'The weather.', inputSchema: { type: 'object', properties: { city: { type: 'string' } } } },
        { name: 'files.read', description: 'Reads a file.', inputSchema: { type: 'object', properties: { path: { type: 'string' } } } },
        { name: long, description: 'A long name.', inputSchema: { type: 'object', properties: {} } },
        {
          name: 'with_defs',
          description: 'Uses $defs.',
          inputSchema: { type: 'object', properties: { where: { $ref: '#/$defs/Place' } }, $defs: { Place: { type: 'string' } } },
        },
        { name: 'either', description: 'A root union.', inputSchema: { type: 'object', oneOf: [{ required: ['a'] }, { required: ['b'] }] } },
        { name: 'background_job', description: 'Task only.', execution: { taskSupport: 'required' } },
      ],
    });
    const run = await doctor([server.url]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/^  ok\s+get_weather$/m);
    expect(run.stdout).toMatch(/^  renamed\s+files\.read → files_read\n\s+name: it has characters Realtime function names do not allow/m);
    expect(run.stdout).toMatch(/^  adapted\s+with_defs\n\s+schema: Inlined "\$ref" "#\/\$defs\/Place"/m);
    expect(run.stdout).toMatch(/^  left out\s+either\n\s+Failed to adapt the inputSchema: its root is a union \("oneOf"\)/m);
    expect(run.stdout).toMatch(/^  left out\s+background_job\n\s+Left out: it only runs as an MCP task/m);
    expect(run.stdout).toContain('Tools: 6 listed, 4 usable');

    const { report } = await doctorJson([server.url]);
    const byName = new Map(report.tools!.tools.map((tool) => [tool.name, tool]));
    expect(byName.get('files.read')).toMatchObject({ usable: true, functionName: 'files_read' });
    const renamedLong = byName.get(long)!;
    expect(renamedLong.functionName).toMatch(FUNCTION_NAME_PATTERN);
    expect(renamedLong.functionName!.startsWith('lookup_xxx')).toBe(true);
    expect(renamedLong.renamed).toContain('longer than the 64 characters');
    expect(byName.get('with_defs')!.schemaChanges).toContain('Dropped "$defs": every reference into it was inlined.');
    expect(byName.get('get_weather')).toMatchObject({ usable: true, functionName: 'get_weather', schemaChanges: [] });
    expect(byName.get('get_weather')!.renamed).toBeUndefined();
    expect(byName.get('either')).toMatchObject({ usable: false });
    expect(byName.get('either')!.functionName).toBeUndefined();
    expect(report.tools).toMatchObject({ listed: 6, usable: 4 });
  });

  it('says once that "$schema" was dropped, not under every tool, and keeps real adaptations visible', async () => {
    const draft = 'http://json-schema.org/draft-07/schema#';
    const server = await startMock({
      tools: [
        { name: 'one', description: 'One.', inputSchema: { $schema: draft, type: 'object', properties: { a: { type: 'string' } } } },
        { name: 'two', description: 'Two.', inputSchema: { $schema: draft, type: 'object', properties: { b: { type: 'string' } } } },
        {
          name: 'three',
          description: 'Three.',
          inputSchema: { $schema: draft, type: 'object', properties: { where: { $ref: '#/$defs/Place' } }, $defs: { Place: { type: 'string' } } },
        },
      ],
    });
    const run = await doctor([server.url]);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).not.toMatch(/schema: Dropped "\$schema"/);
    expect(run.stdout.match(/Dropped "\$schema"/g)).toHaveLength(1);
    expect(run.stdout).toContain('(Dropped "$schema" from 3 tools: a meta keyword Realtime does not need; nothing else changes.)');
    expect(run.stdout).toMatch(/^  ok\s+one$/m);
    expect(run.stdout).toMatch(/^  adapted\s+three\n\s+schema: Inlined "\$ref" "#\/\$defs\/Place"/m);
    // The JSON report keeps every change, per tool.
    const { report } = await doctorJson([server.url]);
    expect(report.tools!.tools.find((tool) => tool.name === 'one')!.schemaChanges).toEqual(['Dropped "$schema": the model does not need it.']);
  });

  it('exits 1 and says why when no tool is usable, or none is listed', async () => {
    const server = await startMock({ tools: [{ name: 'either', description: 'A root union.', inputSchema: { type: 'object', anyOf: [{ required: ['a'] }] } }] });
    const run = await doctor([server.url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Failed to find a usable tool at ${server.url}: the server listed 1, and every one is left out`);
    expect(run.stdout).toContain('Result: not usable: none of its tools can be exposed to Realtime');
    await server.close();

    const empty = await startMock({ tools: [] });
    const none = await doctorJson([empty.url]);
    expect(none.code).toBe(1);
    expect(none.report.connection.ok).toBe(true);
    expect(none.report.tools).toMatchObject({ listed: 0, usable: 0 });
    expect(none.report.problems.find((problem) => problem.level === 'error')?.message).toMatch(/^Failed to find any tools at .*: the server listed none\./);
  });

  it('explains a path where neither transport answers', async () => {
    const server = await startMock({ tools: [{ name: 'echo' }] });
    const wrong = server.url.replace(/\/mcp$/, '/nope');
    const run = await doctor([wrong]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Failed to connect to ${wrong}: no MCP transport answered at this path: Streamable HTTP (POST) got HTTP 404, and the legacy HTTP+SSE fallback (GET) got HTTP 404.`);
  });
});

describe('doctor when the server cannot be used', () => {
  it('explains "Failed to connect" when nothing listens, and exits 1', async () => {
    const url = `http://127.0.0.1:${await freePort()}/mcp`;
    const run = await doctor([url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(`Failed to connect to ${url}: nothing is listening there, the connection was refused (ECONNREFUSED). Please start the server`);
    const { report } = await doctorJson([url]);
    expect(report).toMatchObject({ usable: false, connection: { ok: false } });
    expect(report.http[0]).toMatchObject({ method: 'POST', errorCode: 'ECONNREFUSED' });
    expect(report.tools).toBeUndefined();
  });

  it('a host name that does not resolve: says so and points at the URL, not at starting the server', async () => {
    // RFC 6761: .invalid never resolves (the resolver answers at once; nothing is sent anywhere).
    const url = 'http://mcp.doctor-test.invalid/mcp';
    const run = await doctor([url]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/Failed to connect to http:\/\/mcp\.doctor-test\.invalid\/mcp: the host name (does not resolve \(DNS lookup failed\) \(ENOTFOUND\)|could not be resolved right now .*\(EAI_AGAIN\))\. Please check the host name in the URL/);
    expect(run.stdout).not.toContain('start the server');
  });

  describe('a server that answers 403', () => {
    /** A tiny HTTP server that answers every request 403 with the given header and body. */
    async function forbidding(answer: { authenticate?: string; body: string }): Promise<{ url: string; close: () => Promise<void> }> {
      const server = createServer((_request, response) => {
        response.writeHead(403, { 'content-type': 'application/json', ...(answer.authenticate ? { 'www-authenticate': answer.authenticate } : {}) });
        response.end(answer.body);
      });
      await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
      const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/mcp`;
      return { url, close: () => new Promise((done) => server.close(() => done())) };
    }

    it.each([
      { why: 'a body that says "Invalid bearer token"', answer: { body: '{"error":"Invalid bearer token"}' } },
      { why: 'a body with error invalid_token', answer: { body: '{"error":"invalid_token","error_description":"The access token expired"}' } },
      { why: 'WWW-Authenticate error="invalid_token"', answer: { authenticate: 'Bearer realm="mcp", error="invalid_token"', body: '' } },
    ])('$why: the credentials were refused, not "lacks scope"', async ({ answer }) => {
      const server = await forbidding(answer);
      try {
        const run = await doctor([server.url, '--token', 'tok-DOCTOR-403-0123456789']);
        expect(run.code).toBe(1);
        expect(run.stdout).toContain(`Failed to connect to ${server.url}: the server refused the credentials given (HTTP 403, invalid token). Please check the token`);
        expect(run.stdout).not.toMatch(/scope/);
        expect(run.stdout + run.stderr).not.toContain('tok-DOCTOR-403-0123456789');
      } finally {
        await server.close();
      }
    });

    it('insufficient_scope: the credentials lack a permission', async () => {
      const server = await forbidding({ authenticate: 'Bearer error="insufficient_scope", scope="tools:read"', body: '' });
      try {
        const run = await doctor([server.url, '--token', 'tok-DOCTOR-403-0123456789']);
        expect(run.stdout).toContain('the server refused access (HTTP 403): the credentials were accepted but lack the permission (scope) it needs. Please check the token\'s scopes');
      } finally {
        await server.close();
      }
    });

    it('a 403 that says nothing: neither invalid nor scope is claimed', async () => {
      const server = await forbidding({ body: '{"message":"Forbidden"}' });
      try {
        const run = await doctor([server.url, '--token', 'tok-DOCTOR-403-0123456789']);
        expect(run.stdout).toContain('the server refused access (HTTP 403) with the credentials given, without saying why. Please check that the token is valid and current, then its scopes');
      } finally {
        await server.close();
      }
    });
  });

  it('hides a secret header value wherever it shows up, even in the URL', async () => {
    const secret = 'key-DOCTOR-0123456789abcdef';
    const url = `http://127.0.0.1:${await freePort()}/mcp?key=${secret}`;
    for (const args of [[url, '--header', `X-Api-Key: ${secret}`], [url, '--header', `X-Api-Key: ${secret}`, '--json']]) {
      const run = await doctor(args);
      expect(run.code).toBe(1);
      expect(run.stdout + run.stderr).not.toContain(secret);
      expect(run.stdout).toContain('/mcp?key=<redacted>');
      expect(run.stdout).toContain('X-Api-Key');
    }
  });

  it('says it is still waiting during a long step, then explains the timeout', async () => {
    const sockets = new Set<import('node:net').Socket>();
    const silent: Server = createServer(() => undefined); // takes every request, answers none
    silent.on('connection', (socket) => sockets.add(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(silent.address() as { port: number }).port}/mcp`;
    try {
      const out: string[] = [];
      const err: string[] = [];
      const code = await doctorMain([url, '--timeout', '700'], { env: {}, write: (text) => out.push(text), writeError: (text) => err.push(text) }, { heartbeatMs: 150 });
      expect(code).toBe(1);
      expect(err.some((line) => line.startsWith(`doctor: still connecting to ${url}`))).toBe(true);
      expect(out.join('\n')).toContain(`Failed to connect to ${url}: the server did not answer initialize within 700 ms. Please check that the server is not stuck, or give it longer with --timeout.`);
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((done) => silent.close(done));
    }
  });
});

describe('doctor usage', () => {
  it.each([
    { args: ['--header', 'nocolon', 'http://127.0.0.1:1/mcp'], says: '--header "nocolon" has no colon' },
    { args: ['--header', ': value', 'http://127.0.0.1:1/mcp'], says: '--header has no name before the colon' },
    { args: [], says: 'no MCP server URL' },
    { args: ['--json'], says: 'no MCP server URL' },
    { args: ['http://127.0.0.1:1/mcp', '--bogus'], says: '--bogus is not a doctor flag' },
    { args: ['http://127.0.0.1:1/mcp', '--token'], says: '--token needs a value' },
    { args: ['http://127.0.0.1:1/mcp', '--timeout', 'soon'], says: '--timeout must be a positive number' },
    { args: ['stdio-server'], says: '<mcp-url> "stdio-server" is not an http:// or https:// URL' },
    { args: ['http://127.0.0.1:1/a', 'http://127.0.0.1:1/b'], says: 'one MCP server URL at a time' },
    { args: ['http://127.0.0.1:1/mcp', '--token', 'abcd1234', '--header', 'Authorization: Bearer x'], says: '--token and --header "Authorization: …" both' },
  ])('exits 2 for $args', async ({ args, says }) => {
    const run = await doctor(args);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(/^Failed to start doctor: .+\. Please see `realtime-mcp-proxy doctor --help`\.$/s);
    expect(run.stderr).toContain(says);
  });

  it('does not echo a long --header without a colon (it may be a secret)', async () => {
    const run = await doctor(['--header', 'sk-live-ABCDEFGHIJKLMNOP', 'http://127.0.0.1:1/mcp']);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--header "sk-liv…" has no colon');
    expect(run.stderr).not.toContain('ABCDEFGHIJKLMNOP');
  });

  it('--help shows the flags and examples, and the command list names doctor', async () => {
    const help = await doctor(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: realtime-mcp-proxy doctor <mcp-url>/);
    for (const flag of ['--header', '--token', '--timeout', '--json']) expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/Examples:\n\s+realtime-mcp-proxy doctor http/);
    expect(help.stdout).toMatch(/Exit code: 0 the server is usable .*\s+.*; 2 bad usage\./);
    const out: string[] = [];
    expect(await main(['--help'], {}, (text) => out.push(text), () => undefined)).toBe(0);
    expect(out.join('\n')).toMatch(/^\s+doctor\s+check one MCP server/m);
  });
});
