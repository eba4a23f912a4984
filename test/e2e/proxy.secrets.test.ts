/**
 * Secrets end to end: the Realtime API key and MCP bearer tokens must never show up in what the
 * proxy tells its host: event payloads (`hooks.onEvent`), errors (`hooks.onError`, `error`
 * events, a rejected `start()`), or log lines (`hooks.logger`). The session below goes through
 * successes, failures, timeouts, a server that refuses a wrong token, and a refused Realtime key.
 */
import { describe, expect, it } from 'vitest';
import { startRealtimeSimulator } from '../../harness/simulator/index.js';
import type { ProxyError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import { createNodeRealtimeMcpProxy } from '../../src/node/realtimeMcpProxy.js';
import { boom, lookup, mockConfig, oops, stuck } from './mockTools.js';
import { dump } from '../faults/secretScan.js';
import { startE2E, useE2E } from './support.js';

useE2E();

const REALTIME_KEY = 'sk-proj-E2ESECRETrealtimeKEY01';
const WRONG_REALTIME_KEY = 'sk-proj-E2EWRONGrealtimeKEY98';
const MCP_TOKEN = 'mcp-bearer-E2ESECRET-token-abcdef';
const WRONG_MCP_TOKEN = 'mcp-bearer-E2EWRONG-token-zyxwvu';
const SECRETS = [REALTIME_KEY, WRONG_REALTIME_KEY, MCP_TOKEN, WRONG_MCP_TOKEN];

function recorder() {
  const seen: string[] = [];
  const errors: ProxyError[] = [];
  const line = (level: string) => (fields: Record<string, unknown>, message: string) => void seen.push(`${level} ${message} ${dump(fields)}`);
  const logger: Logger = { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  return {
    seen,
    errors,
    hooks: {
      logger,
      onEvent: (name: string, payload: unknown) => void seen.push(`event ${name} ${dump(payload)}`),
      onError: (error: ProxyError) => {
        errors.push(error);
        seen.push(`error ${dump(error)}`);
      },
    },
  };
}

function leaks(texts: readonly string[]): string[] {
  return texts.flatMap((text) => SECRETS.filter((secret) => text.includes(secret)).map((secret) => `${secret} in: ${text.slice(0, 300)}`));
}

describe('secrets never leak into events, errors or logs', () => {
  it('a whole session with successes, failures, a timeout and an MCP server that refuses a wrong token', async () => {
    const record = recorder();
    const e2e = await startE2E({
      apiKey: REALTIME_KEY,
      transport: 'proxy', // the proxy itself holds the key and opens the socket
      mock: mockConfig([lookup, boom, oops, stuck], { requireBearer: MCP_TOKEN }),
      mockServer: { token: MCP_TOKEN },
      // The same endpoint with the wrong token: its listing fails with 401.
      mockAliases: [{ label: 'locked', token: WRONG_MCP_TOKEN }],
      proxy: { hooks: record.hooks, timeouts: { defaultMs: 300 }, inspect: true, prefixToolNames: true },
      script: [
        { user: 'Look up tea, then try the broken tools.' },
        {
          callTools: [
            { name: 'mock__lookup', arguments: { text: 'tea' } },
            { name: 'mock__boom', arguments: { text: 'x' } },
            { name: 'mock__oops', arguments: { text: 'y' } },
            { name: 'mock__stuck', arguments: { text: 'z' } },
            { name: 'locked__lookup', arguments: { text: 'w' } },
            { name: 'mock__lookup', arguments: '{"text": ' },
          ],
          reply: 'Results: {outputs}',
        },
        { sessionExpired: true },
      ],
    });
    const errorEvents: ProxyError[] = [];
    e2e.proxy.on('error', (error) => errorEvents.push(error));
    expect(await e2e.sim.done).toEqual({ ok: true, steps: 3 });
    expect(await e2e.proxy.ended).toMatchObject({ reason: 'session_expired' });

    // The session really went through the paths that produce messages.
    const codes = e2e.results().map((r) => r.code).sort();
    expect(codes).toEqual(['invalid_arguments', 'ok', 'protocol_error', 'timeout', 'tool_error', 'unknown_tool']);
    expect(e2e.outputs()).toHaveLength(6);
    expect(e2e.mock!.requests.some((r) => r.status === 401)).toBe(true);
    expect(record.errors.length).toBeGreaterThan(0); // the 401 listing at least
    expect(record.seen.some((line) => line.startsWith('warn '))).toBe(true);
    expect(record.seen.some((line) => line.startsWith('event inspect '))).toBe(true);
    // The mock keeps no authorization values, only whether one was sent.
    expect(e2e.mock!.requests.every((r) => r.authorization)).toBe(true);

    // The detector itself finds a secret buried in an error's cause.
    expect(leaks([dump(new Error('x', { cause: { headers: { authorization: `Bearer ${MCP_TOKEN}` } } }))])).toHaveLength(1);
    const everything = [...record.seen, ...errorEvents.map((e) => dump(e)), dump(e2e.proxy.snapshot()), dump(e2e.proxy.catalog.tools)];
    expect(leaks(everything)).toEqual([]);
    // What the model was told (the outputs and the session) carries no secret either.
    expect(leaks([JSON.stringify(e2e.sim.clientEvents)])).toEqual([]);
  });

  it('a Realtime key the server refuses: start() rejects, and neither key shows in the error, hooks or logs', async () => {
    const record = recorder();
    const sim = await startRealtimeSimulator({ apiKey: REALTIME_KEY });
    const proxy = createNodeRealtimeMcpProxy({ url: sim.url, apiKey: WRONG_REALTIME_KEY, servers: [], catalogCache: false, hooks: record.hooks });
    try {
      const failure = await proxy.start().then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(Error);
      expect((failure as ProxyError).code).toBe('connect_failed');
      expect((failure as Error).message).toContain('401');
      expect(leaks([dump(failure), ...record.seen])).toEqual([]);
    } finally {
      await proxy.close();
      await sim.close();
    }
  });
});
