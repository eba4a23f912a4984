/**
 * No secret ever leaves. The library and the CLI (`connect`, `record`, `doctor`, as child
 * processes) run with known fake secrets in flags, the environment, URLs (query and userinfo),
 * headers and function-valued tokens, against real MCP servers on 127.0.0.1 that echo every header
 * and the URL back in results, in tool errors, in JSON-RPC errors and in their 401s. Then every
 * printed line, proxy event, error (with its causes), log line, recording and frame the Realtime
 * side received is scanned: zero hits.
 *
 * `serve` too: every answer it gives (status, headers, body), every event it streams, every line
 * it logs, and the stderr of the `serve` command, with secrets in the OpenAI key, the access token,
 * the webhook secret, configured MCP tokens and run-time MCP headers and URLs.
 *
 * Native MCP tools (`nativeMcpTools`) are left out on purpose: they hand the server's token to
 * OpenAI in `session.update`, which is what they are for.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer, type MockTool } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator, type SimulatorStep } from '../../harness/simulator/index.js';
import { connectUsage } from '../../src/cli/connect.js';
import type { ProxyError } from '../../src/errors.js';
import type { McpServerConfig } from '../../src/mcp/types.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';
import { REDACTED } from '../../src/redaction/index.js';
import { runCli, type CliRun } from '../support/cliProcess.js';
import { OFFER_SDP, signedWebhook } from '../support/fakeOpenAi.js';
import { followEvents, startServeHarness, type ServeHarness } from '../support/serveHarness.js';
import { captureHooks, dump, leaksIn } from './secretScan.js';

/** Distinctive markers, not shaped like real keys: a hit is a leak of exactly that value. */
const SECRET = {
  realtimeKey: 'LEAKCHECK-realtime-key-0001',
  realtimeUrlKey: 'LEAKCHECK-realtime-url-key-0002',
  staticToken: 'LEAKCHECK-static-token-0003',
  firstFunctionToken: 'LEAKCHECK-fn-token-first-0004',
  freshFunctionToken: 'LEAKCHECK-fn-token-fresh-0005',
  queryToken: 'LEAKCHECK-query-token-0006',
  headerKey: 'LEAKCHECK-header-key-0007',
  userinfoPassword: 'LEAKCHECK-userinfo-pass-0008',
  wrongToken: 'LEAKCHECK-wrong-token-0009',
  accessToken: 'LEAKCHECK-access-token-0010',
  // whsec_ + base64("LEAKCHECK-webhook-secret-0011"): the form OpenAI gives.
  webhookSecret: 'whsec_TEVBS0NIRUNLLXdlYmhvb2stc2VjcmV0LTAwMTE=',
} as const;
const SECRETS = Object.values(SECRET);

/** One tool per way of echoing the request (URL and every header) back. */
const ECHO_TOOLS: MockTool[] = [
  { name: 'echo_result', description: 'Answers with the request it got.', faults: [{ kind: 'echoRequest' }] },
  { name: 'echo_tool_error', description: 'Fails with the request it got.', faults: [{ kind: 'echoRequest', as: 'isError' }] },
  { name: 'echo_rpc_error', description: 'Throws the request it got.', faults: [{ kind: 'echoRequest', as: 'throw' }] },
];

const opened: Array<{ close(): Promise<unknown> | void }> = [];
afterEach(async () => {
  for (const thing of opened.splice(0).reverse()) await Promise.resolve(thing.close()).catch(() => undefined);
});

async function echoServers(): Promise<{ open: MockMcpServer; locked: MockMcpServer }> {
  const open = await startMockMcpServer({ name: 'open-echo', tools: ECHO_TOOLS });
  opened.push(open);
  // Only the fresh function token gets in; a 401 quotes the credentials it was given.
  const locked = await startMockMcpServer({ name: 'locked-echo', tools: ECHO_TOOLS, requireBearer: SECRET.freshFunctionToken, echoRejectedCredentials: true });
  opened.push(locked);
  return { open, locked };
}

async function simulator(calls: number, options: { keepOpenMs?: number } = {}): Promise<RealtimeSimulator> {
  const script: SimulatorStep[] = [
    { user: 'Run every tool you have.' },
    { callTools: Array.from({ length: calls }, (_, i) => ({ toolFromSession: i, arguments: {} })), reply: 'Done: {outputs}' },
    // The CLI tests look at the process listing while the session is up.
    ...(options.keepOpenMs ? [{ wait: options.keepOpenMs }] : []),
    { close: {} },
  ];
  const sim = await startRealtimeSimulator({ script, apiKey: SECRET.realtimeKey });
  opened.push(sim);
  return sim;
}

/** `http://probe:<password>@127.0.0.1:<port>/mcp`: fetch refuses URLs with credentials, so this one fails to connect. */
const withUserinfo = (url: string) => url.replace('http://', `http://probe:${SECRET.userinfoPassword}@`);

describe('the library: secrets in keys, URLs, headers and token functions, echoed by the servers', () => {
  it('reach neither the model, nor events, errors, logs, nor the recording', async () => {
    const { open, locked } = await echoServers();
    const sim = await simulator(12);
    const folder = mkdtempSync(join(tmpdir(), 'rmp-secrets-'));
    opened.push({ close: () => rmSync(folder, { recursive: true, force: true }) });
    const recording = join(folder, 'session.jsonl');
    let tokenAsked = 0;
    const servers: McpServerConfig[] = [
      { label: 'static', url: open.url, token: SECRET.staticToken },
      { label: 'query', url: `${open.url}?token=${SECRET.queryToken}` },
      { label: 'headers', url: open.url, headers: { 'X-Api-Key': SECRET.headerKey } },
      // The first value is refused (401, echoed); the function is asked again and the fresh one works.
      { label: 'fn', url: locked.url, token: async () => (++tokenAsked === 1 ? SECRET.firstFunctionToken : SECRET.freshFunctionToken) },
      { label: 'userinfo', url: withUserinfo(open.url) },
      { label: 'wrong', url: locked.url, token: SECRET.wrongToken },
    ];
    const captured = captureHooks();
    const proxy = createNodeRealtimeMcpProxy({
      url: `${sim.url}?model=gpt-realtime&api-key=${SECRET.realtimeUrlKey}`,
      apiKey: async () => SECRET.realtimeKey,
      servers,
      catalogCache: false,
      record: { path: recording },
      hooks: captured.hooks,
    });
    opened.push(proxy);
    const errorEvents: ProxyError[] = [];
    proxy.on('error', (error) => errorEvents.push(error));
    const startFailure = await proxy.start().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(startFailure).toBeUndefined();
    expect(await sim.done).toEqual({ ok: true, steps: 3 });
    await proxy.ended;
    await proxy.close();

    // The scenario really went where secrets could leak: every echo answered, the token function
    // refreshed after a 401, and both broken servers failed to connect.
    expect(tokenAsked).toBe(2);
    expect(open.callLog.filter((call) => call.outcome === 'fault:echoRequest')).toHaveLength(9);
    expect(locked.callLog.filter((call) => call.outcome === 'fault:echoRequest')).toHaveLength(3);
    expect(locked.requests.some((request) => request.status === 401)).toBe(true);
    const failedToConnect = new Set(captured.errors.filter((error) => error.code === 'mcp_connect_failed').map((error) => (error.data as { server: string }).server));
    expect([...failedToConnect].sort()).toEqual(['userinfo', 'wrong']);
    const outputs = sim.clientEvents.flatMap((event) => (event.type === 'conversation.item.create' && event.item.type === 'function_call_output' ? [event.item.output] : []));
    expect(outputs).toHaveLength(12);
    // What the echo servers said still reaches the model (the request they got), only without the secrets.
    expect(outputs.filter((output) => output.includes('mcp-protocol-version'))).toHaveLength(12);
    expect(outputs.filter((output) => output.includes(REDACTED))).toHaveLength(12);

    const everything: Array<readonly [string, string]> = [
      ...captured.lines,
      ...errorEvents.map((error) => [`error event ${error.code}`, dump(error)] as const),
      ['snapshot', dump(proxy.snapshot())],
      ['catalog', dump(proxy.catalog.tools)],
      ['recording', readFileSync(recording, 'utf8')],
      ['frames the Realtime side received', JSON.stringify(sim.clientEvents)],
      ['frames the Realtime side sent', JSON.stringify(sim.serverEvents)],
    ];
    // The scan itself finds a secret buried in an error's cause.
    expect(leaksIn([['probe', dump(new Error('x', { cause: { headers: { authorization: `Bearer ${SECRET.staticToken}` } } }))]], SECRETS)).toHaveLength(1);
    expect(leaksIn(everything, SECRETS)).toEqual([]);
  }, 30_000);
});

/** The CLI in a child process, with no OPENAI_API_KEY but the one given. */
const cli = (args: string[], env: Record<string, string> = {}, onSpawn?: (pid: number, stdout: () => string) => void) => runCli(args, env, { timeoutMs: 40_000, ...(onSpawn ? { onSpawn } : {}) });

/** The command lines of the process and its children, as `ps` shows them to any user of the machine. */
function commandLines(pid: number): Promise<string> {
  return new Promise((resolve, reject) =>
    execFile('ps', ['-eo', 'pid=,ppid=,args='], (error, stdout) => {
      if (error) return reject(error);
      const rows = stdout.split('\n').map((row) => /^\s*(\d+)\s+(\d+)\s(.*)$/.exec(row)).filter((row) => row !== null);
      const family = new Set([pid]);
      for (let grew = true; grew; ) {
        grew = false;
        for (const [, child, parent] of rows) if (family.has(Number(parent)) && !family.has(Number(child))) grew = family.add(Number(child)) !== undefined;
      }
      resolve(rows.filter(([, child]) => family.has(Number(child))).map((row) => row[3]).join('\n'));
    }),
  );
}

/** Runs the CLI and, once it prints its `ready` line, takes the command lines of its processes. */
async function cliWithListing(args: string[], env: Record<string, string>): Promise<CliRun & { listing: string }> {
  let listing: Promise<string> | undefined;
  const run = await cli(args, env, (pid, stdout) => {
    const poll = setInterval(() => {
      if (!stdout().includes('ready')) return;
      clearInterval(poll);
      listing = commandLines(pid);
    }, 10);
    poll.unref();
  });
  return { ...run, listing: (await listing) ?? '' };
}

describe('the CLI: secrets in flags, the environment and URLs, echoed by the servers', () => {
  it('connect and record print no secret and record none; a key in the environment stays out of the process listing, a flag does not', async () => {
    const { open } = await echoServers();
    const folder = mkdtempSync(join(tmpdir(), 'rmp-secrets-cli-'));
    opened.push({ close: () => rmSync(folder, { recursive: true, force: true }) });
    const recording = join(folder, 'cli.jsonl');
    const connectFlags = (sim: RealtimeSimulator) => [
      '--realtime-url',
      `${sim.url}?model=gpt-realtime&api-key=${SECRET.realtimeUrlKey}`,
      '--mcp',
      `query=${open.url}?token=${SECRET.queryToken}`,
      '--mcp',
      `userinfo=${withUserinfo(open.url)}`,
    ];

    const connectSim = await simulator(3, { keepOpenMs: 2000 });
    const connect = await cliWithListing(['connect', ...connectFlags(connectSim)], { OPENAI_API_KEY: SECRET.realtimeKey });
    expect(await connectSim.done).toEqual({ ok: true, steps: 4 });
    expect(connect.code).toBe(0);
    expect(connect.listing).toContain('src/cli/main.ts connect');
    expect(connect.listing).not.toContain(SECRET.realtimeKey);

    // As connect's usage says: a key given as a flag is visible in process listings (prefer the environment).
    expect(connectUsage).toMatch(/--api-key KEY\s+OpenAI API key \(default: the OPENAI_API_KEY environment variable; prefer it:\s+a flag is visible in process listings\)/);
    const recordSim = await simulator(3, { keepOpenMs: 2000 });
    const record = await cliWithListing(['record', '--out', recording, '--', ...connectFlags(recordSim), '--api-key', SECRET.realtimeKey, '--json'], {});
    expect(await recordSim.done).toEqual({ ok: true, steps: 4 });
    expect(record.code).toBe(0);
    expect(record.listing).toContain(`--api-key ${SECRET.realtimeKey}`);

    // Both sessions went through the echoes and the failed connection.
    expect(open.callLog.filter((call) => call.outcome === 'fault:echoRequest')).toHaveLength(6);
    for (const run of [connect, record]) expect(run.stdout + run.stderr).toContain('mcp_connect_failed');

    const everything: Array<readonly [string, string]> = [
      ['connect stdout', connect.stdout],
      ['connect stderr', connect.stderr],
      ['record stdout', record.stdout],
      ['record stderr', record.stderr],
      ['recording', readFileSync(recording, 'utf8')],
      ['frames the Realtime side received (connect)', JSON.stringify(connectSim.clientEvents)],
      ['frames the Realtime side received (record)', JSON.stringify(recordSim.clientEvents)],
    ];
    expect(leaksIn(everything, SECRETS)).toEqual([]);
  }, 90_000);

  it('doctor prints no token, header value or URL secret, whether the server answers, echoes a refusal or cannot be reached', async () => {
    const { open, locked } = await echoServers();
    const runs = await Promise.all([
      cli(['doctor', `${open.url}?token=${SECRET.queryToken}`, '--token', SECRET.staticToken, '--header', `X-Api-Key: ${SECRET.headerKey}`]),
      cli(['doctor', `${locked.url}?api_key=${SECRET.queryToken}`, '--token', SECRET.wrongToken, '--json']),
      cli(['doctor', withUserinfo(open.url), '--header', `X-Api-Key: ${SECRET.headerKey}`]),
    ]);
    expect(runs.map((run) => run.code)).toEqual([0, 1, 1]);
    expect(locked.requests.some((request) => request.status === 401)).toBe(true);
    expect(leaksIn(runs.flatMap((run, i) => [[`doctor ${i} stdout`, run.stdout] as const, [`doctor ${i} stderr`, run.stderr] as const]), SECRETS)).toEqual([]);
  }, 60_000);

  it('a malformed URL or --mcp flag is quoted back without its secret', async () => {
    const runs = await Promise.all([
      cli(['connect', '--realtime-url', `wss://[realtime?api-key=${SECRET.realtimeUrlKey}`, '--mcp', 'x=http://127.0.0.1:9/mcp'], { OPENAI_API_KEY: SECRET.realtimeKey }),
      cli(['connect', '--mcp', `http://127.0.0.1:9/mcp?token=${SECRET.queryToken}`], { OPENAI_API_KEY: SECRET.realtimeKey }),
      cli(['replay', 'x.jsonl', '--mcp', `=http://127.0.0.1:9/mcp?token=${SECRET.queryToken}`]),
      cli(['doctor', `ftp://probe:${SECRET.userinfoPassword}@127.0.0.1/mcp?key=${SECRET.queryToken}`]),
    ]);
    expect(runs.map((run) => run.code)).toEqual([2, 2, 2, 2]);
    expect(runs.map((run) => run.stderr.trim())).toEqual([
      expect.stringContaining('"wss://[realtime?api-key=<redacted>" is not a URL'),
      expect.stringContaining('--mcp "http://127.0.0.1:9/mcp?token=<redacted>" is not label=url'),
      expect.stringContaining('--mcp "=http://127.0.0.1:9/mcp?token=<redacted>" is not label=url'),
      expect.stringContaining('<mcp-url> "ftp://<redacted>@127.0.0.1/mcp?key=<redacted>" is not an http:// or https:// URL'),
    ]);
    expect(leaksIn(runs.flatMap((run, i) => [[`run ${i} stdout`, run.stdout] as const, [`run ${i} stderr`, run.stderr] as const]), SECRETS)).toEqual([]);
  }, 60_000);
});

describe('serve: every answer, event, log line and the command\'s stderr', () => {
  it('carry no key, access token, webhook secret, MCP token, header value or URL secret, whatever the servers echo', async () => {
    const { open } = await echoServers();
    const harness: ServeHarness = await startServeHarness({
      apiKey: SECRET.realtimeKey,
      accessToken: SECRET.accessToken,
      tools: ECHO_TOOLS,
      // Every tool of the session: the configured server's three, then the run-time server's three.
      script: [{ user: 'Run every tool you have.' }, { callTools: Array.from({ length: 6 }, (_, i) => ({ toolFromSession: i, arguments: {} })), reply: 'Done: {outputs}' }],
      serve: {
        servers: [{ label: 'static', url: open.url, token: SECRET.staticToken }],
        webhook: { secret: SECRET.webhookSecret },
        runtimeMcp: { enabled: true, allowAddresses: ['127.0.0.1/32'] },
      },
    });
    opened.push(harness);
    const mine = { label: 'mine', url: `${open.url}?token=${SECRET.queryToken}`, headers: { 'X-Api-Key': SECRET.headerKey } };
    const post = (path: string, body: unknown) => harness.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });

    // The ephemeral-key flow and the unified flow, each with the run-time server.
    const created = await post('/session', { mcpServers: [mine] });
    expect(created.status).toBe(201);
    const sessionId = created.json().sessionId as string;
    expect((await post(`/sessions/${sessionId}/attach`, { callId: 'rtc_leak1' })).status).toBe(200);
    const called = await post('/call', { sdp: OFFER_SDP, mcpServers: [mine] });
    expect(called.status).toBe(201);
    const streams = await Promise.all([sessionId, called.json().sessionId as string].map((id) => followEvents(harness.serve.url, id, (_event, all) => all.filter((event) => event.event === 'toolCall.ended').length === 6, { token: SECRET.accessToken })));
    expect(await Promise.all(harness.sim.sessions.map((session) => session.run!.done))).toEqual([
      { ok: true, steps: 2 },
      { ok: true, steps: 2 },
    ]);
    // A phone call, a webhook signed with another secret, and the refusals.
    const call = signedWebhook(SECRET.webhookSecret, { id: 'evt_leak', callId: 'rtc_leak_sip' });
    const phone = await fetch(`${harness.serve.url}/webhooks/openai`, { method: 'POST', headers: call.headers, body: call.body });
    const forged = signedWebhook('whsec_b3RoZXI=', { id: 'evt_forged' });
    const forgedAnswer = await fetch(`${harness.serve.url}/webhooks/openai`, { method: 'POST', headers: forged.headers, body: forged.body });
    const webhookAnswers = [
      ['webhook', phone.status, JSON.stringify([...phone.headers]), await phone.text()],
      ['forged webhook', forgedAnswer.status, JSON.stringify([...forgedAnswer.headers]), await forgedAnswer.text()],
    ] as const;
    expect([webhookAnswers[0][1], webhookAnswers[1][1]]).toEqual([200, 400]);
    await post('/tools', { mcpServers: [mine] });
    await harness.request('/tools');
    await harness.request('/tools', { headers: { authorization: `Bearer ${SECRET.wrongToken}` } });
    await harness.request('/tools', { headers: { origin: 'https://evil.example' } });
    harness.openai.failNext(/client_secrets/, 401, { error: { code: 'invalid_api_key', message: `Incorrect API key provided: ${SECRET.realtimeKey}` } });
    expect((await post('/session', {})).status).toBe(502);
    await post('/session', { mcpServers: [{ label: 'bad', url: `http://${'169.254.169.254'}/?token=${SECRET.queryToken}`, headers: { Authorization: `Bearer ${SECRET.headerKey}` } }] });

    // The scenario went where secrets could leak: every echo answered with the request, credentials included.
    expect(open.callLog.filter((entry) => entry.outcome === 'fault:echoRequest').length).toBeGreaterThanOrEqual(12);
    expect(open.requests.some((request) => request.headers['x-api-key'] === SECRET.headerKey)).toBe(true);
    expect(open.requests.some((request) => request.authorization)).toBe(true);
    // The echoes reached the tool-call events, redacted: the scan below reads them.
    for (const events of streams) expect(events.filter((event) => event.event === 'toolCall.ended' && event.data.includes(REDACTED)).length).toBeGreaterThanOrEqual(3);
    expect(JSON.parse(webhookAnswers[0][3])).toMatchObject({ accepted: true });

    const everything: Array<readonly [string, string]> = [
      ...harness.answers.map((answer) => [`answer ${answer.path} ${answer.status}`, JSON.stringify(answer)] as const),
      ...webhookAnswers.map(([what, status, headers, body]) => [`${what} ${status}`, `${headers} ${body}`] as const),
      ...streams.flatMap((events, i) => events.map((event) => [`events of session ${i} (${event.event})`, event.data] as const)),
      ...harness.logs.map((entry) => [`log ${entry.level}`, entry.message] as const),
      ['frames the Realtime side received', JSON.stringify(harness.sim.clientEvents)],
    ];
    expect(leaksIn(everything, SECRETS)).toEqual([]);
  }, 60_000);

  it('the serve command prints no key, token, header value or URL secret on stdout or stderr', async () => {
    const { open } = await echoServers();
    let listening: ((url: string) => void) | undefined;
    const url = new Promise<string>((resolve) => (listening = resolve));
    const run = runCli(
      ['serve', '--port', '0', '--mcp', `query=${open.url}?token=${SECRET.queryToken}`, '--mcp', 'static=' + open.url, '--mcp-token', 'static=STATIC_TOKEN', '--mcp', `userinfo=${withUserinfo(open.url)}`, '--json'],
      { OPENAI_API_KEY: SECRET.realtimeKey, REALTIME_MCP_PROXY_TOKEN: SECRET.accessToken, OPENAI_WEBHOOK_SECRET: SECRET.webhookSecret, STATIC_TOKEN: SECRET.staticToken },
      {
        timeoutMs: 40_000,
        onSpawn: (pid, stdout) => {
          const poll = setInterval(() => {
            const found = /"listening":"(http:[^"]+)"/.exec(stdout())?.[1];
            if (!found) return;
            clearInterval(poll);
            listening!(found);
            void Promise.all([
              fetch(`${found}/tools`, { headers: { authorization: `Bearer ${SECRET.accessToken}` } }),
              fetch(`${found}/tools`, { headers: { authorization: `Bearer ${SECRET.wrongToken}` } }),
              fetch(`${found}/session`, { method: 'POST', headers: { authorization: `Bearer ${SECRET.accessToken}`, 'content-type': 'application/json' }, body: '{}' }),
            ]).finally(() => process.kill(pid, 'SIGTERM'));
          }, 20);
          poll.unref();
        },
      },
    );
    const done = await run;
    expect(await url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(done.code).toBe(0);
    expect(done.stderr).toContain('GET /tools 200');
    expect(done.stderr).toContain('GET /tools 401');
    expect(leaksIn([['serve stdout', done.stdout], ['serve stderr', done.stderr]], SECRETS)).toEqual([]);
  }, 60_000);
});
