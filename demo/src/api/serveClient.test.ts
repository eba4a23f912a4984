import { describe, expect, it } from 'vitest';
import { createServeClient, ServeRequestError } from './serveClient';

function recordingFetch(answer: (url: string, init: RequestInit) => Response | Promise<Response>) {
  const calls: Array<{ url: string; init: RequestInit }> = [];
  const fetcher = (async (url: string, init: RequestInit) => {
    calls.push({ url, init });
    return answer(url, init);
  }) as unknown as typeof fetch;
  return { fetcher, calls };
}

describe('createServeClient', () => {
  it('sends the token, the key only in X-OpenAI-Key, and reads a session', async () => {
    const { fetcher, calls } = recordingFetch(() => Response.json({ clientSecret: 'ek_test123', expiresAt: 5, sessionId: 'sess_1', callsUrl: 'http://127.0.0.1:9/v1/realtime/calls' }, { status: 201 }));
    const client = createServeClient({ token: 'tok_abc', fetch: fetcher });
    const session = await client.createSession({ mcpServers: [{ label: 'everything', url: 'http://127.0.0.1:3001/mcp', headers: { 'X-Token': 'hdr-value' } }], openAiKey: 'sk-test-key' });
    expect(session).toEqual({ clientSecret: 'ek_test123', expiresAt: 5, sessionId: 'sess_1', callsUrl: 'http://127.0.0.1:9/v1/realtime/calls' });
    const headers = calls[0]!.init.headers as Record<string, string>;
    expect(headers.Authorization).toBe('Bearer tok_abc');
    expect(headers['X-OpenAI-Key']).toBe('sk-test-key');
    expect(String(calls[0]!.init.body)).not.toContain('sk-test-key');
    expect(JSON.parse(String(calls[0]!.init.body))).toEqual({ mcpServers: [{ label: 'everything', url: 'http://127.0.0.1:3001/mcp', headers: { 'X-Token': 'hdr-value' } }] });
  });

  it("fails with serve's message, scrubbed of the secrets the page knows", async () => {
    const { fetcher } = recordingFetch(() => Response.json({ error: { code: 'session_failed', message: 'Failed to list tools: server said hdr-value and tok_abc. Please fix it.' } }, { status: 502 }));
    const client = createServeClient({ token: 'tok_abc', fetch: fetcher });
    const failure = await client.listTools({ mcpServers: [{ label: 'a', url: 'http://127.0.0.1:1/mcp', headers: { Authorization: 'hdr-value' } }] }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ServeRequestError);
    expect((failure as ServeRequestError).status).toBe(502);
    expect((failure as ServeRequestError).code).toBe('session_failed');
    expect((failure as Error).message).toMatch(/^Failed to list tools: server said \S+ and \S+\. Please fix it\.$/);
    expect((failure as Error).message).not.toMatch(/hdr-value|tok_abc/);
  });

  it('refuses answers that are not what it expects, and reports an unreachable serve', async () => {
    const odd = createServeClient({ token: 'tok_abc', fetch: recordingFetch(() => Response.json({ sessionId: '../x' }, { status: 201 })).fetcher });
    await expect(odd.createSession({ mcpServers: [] })).rejects.toThrow(/not what the page expects/);
    const down = createServeClient({ token: 'tok_abc', fetch: (async () => { throw new TypeError('fetch failed'); }) as unknown as typeof fetch });
    await expect(down.info()).rejects.toThrow('Failed to read serve\'s settings: serve could not be reached. Please check that serve is running and reload the page.');
  });

  it('keeps well-formed tools of a listing and drops the rest', async () => {
    const tool = { functionName: 'everything__echo', server: 'everything', mcpName: 'echo', description: 'Echoes', inputSchema: {}, offered: true, annotations: { readOnlyHint: true, evil: 'x' } };
    const { fetcher } = recordingFetch(() => Response.json({ servers: [{ label: 'everything', source: 'request', listed: true }], tools: [tool, { functionName: 7 }, null], dropped: [] }));
    const report = await createServeClient({ token: 'tok_abc', fetch: fetcher }).listTools({ mcpServers: [] });
    expect(report.tools).toEqual([{ ...tool, annotations: { readOnlyHint: true } }]);
  });

  it('refuses an id that could change the path', async () => {
    const { fetcher, calls } = recordingFetch(() => Response.json({}));
    await expect(createServeClient({ token: 'tok_abc', fetch: fetcher }).attach('../info', 'rtc_1')).rejects.toThrow(/not a valid id/);
    expect(calls).toHaveLength(0);
  });
});
