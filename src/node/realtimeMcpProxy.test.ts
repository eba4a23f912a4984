/**
 * createNodeRealtimeMcpProxy when a session cannot start: the Realtime handshake refused (the host
 * hears the cause before the end), a recording to a directory that is not there, and a recording
 * of a session whose options were refused (no file is left behind). A real Realtime simulator and
 * a real mock MCP server on 127.0.0.1.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator } from '../../harness/simulator/index.js';
import { ProxyError } from '../errors.js';
import { createNodeRealtimeMcpProxy } from './realtimeMcpProxy.js';

const dir = mkdtempSync(join(tmpdir(), 'node-proxy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let sim: RealtimeSimulator | undefined;
let mock: MockMcpServer | undefined;
afterEach(async () => {
  await sim?.close();
  await mock?.close();
  sim = mock = undefined;
});

describe('createNodeRealtimeMcpProxy', () => {
  it('a refused handshake: the error that explains it comes before ended, and start() rejects with it', async () => {
    sim = await startRealtimeSimulator({ apiKey: 'the-right-key', script: [] });
    const proxy = createNodeRealtimeMcpProxy({ url: sim.url, apiKey: 'a-wrong-key', servers: [] });
    const heard: string[] = [];
    proxy.on('error', (error) => heard.push(`error ${error.code}: ${error.message}`));
    proxy.on('session.ended', (end) => heard.push(`ended ${end.reason}`));
    const failure = await proxy.start().then(
      () => expect.fail('start() resolved'),
      (error: unknown) => error as ProxyError,
    );
    await proxy.close();
    expect(failure.code).toBe('connect_failed');
    expect(heard).toEqual([`error connect_failed: ${failure.message}`, 'ended socket_closed']);
    expect(failure.message).toContain('401');
    expect(heard.join('\n')).not.toContain('a-wrong-key');
  });

  it('record to a missing directory: a ProxyError that says so, before anything connects', () => {
    const path = join(dir, 'missing', 'session.jsonl');
    expect(() => createNodeRealtimeMcpProxy({ url: 'ws://127.0.0.1:1/v1/realtime', apiKey: 'k', servers: [], record: { path } })).toThrow(
      expect.objectContaining({ code: 'invalid_options', message: expect.stringContaining(`the directory ${join(dir, 'missing')} does not exist. Please create it`) }),
    );
  });

  it('two servers with one label: refused before the recording file is created', () => {
    const path = join(dir, 'twice.jsonl');
    expect(() =>
      createNodeRealtimeMcpProxy({
        url: 'ws://127.0.0.1:1/v1/realtime',
        apiKey: 'k',
        servers: [
          { label: 'same', url: 'http://127.0.0.1:1/a' },
          { label: 'same', url: 'http://127.0.0.1:1/b' },
        ],
        record: { path },
      }),
    ).toThrow(/two servers are labelled "same"/);
    expect(existsSync(path)).toBe(false);
  });

  it('a session refused at start (allowedTools names no tool) leaves no recording; one that ran keeps it', async () => {
    mock = await startMockMcpServer({ tools: [{ name: 'get_weather', description: 'The weather.' }] });
    sim = await startRealtimeSimulator({ apiKey: 'key', script: [] });
    const refusedPath = join(dir, 'refused.jsonl');
    const refused = createNodeRealtimeMcpProxy({ url: sim.url, apiKey: 'key', servers: [{ label: 'mock', url: mock.url }], allowedTools: ['mock/get_wether'], catalogCache: false, record: { path: refusedPath } });
    expect(existsSync(refusedPath)).toBe(true); // written from the start, line by line
    await expect(refused.start()).rejects.toMatchObject({ code: 'invalid_options' });
    await refused.close();
    expect(existsSync(refusedPath)).toBe(false);
    // The socket opened while the tools were listed; nothing was sent on it.
    expect(sim.clientEvents).toEqual([]);

    const ranPath = join(dir, 'ran.jsonl');
    const ran = createNodeRealtimeMcpProxy({ url: sim.url, apiKey: 'key', servers: [{ label: 'mock', url: mock.url }], catalogCache: false, record: { path: ranPath } });
    await ran.start();
    await ran.close();
    expect(existsSync(ranPath)).toBe(true);
  });
});
