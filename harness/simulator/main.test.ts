import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { WebSocket } from 'ws';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function scriptFile(value: unknown): Promise<string> {
  dir ??= await mkdtemp(join(tmpdir(), 'simulator-main-'));
  const path = join(dir, 'script.json');
  await writeFile(path, JSON.stringify(value));
  return path;
}

function run(args: string[]) {
  return spawn(process.execPath, ['--import', 'tsx', 'harness/simulator/main.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
}

describe('main.ts', () => {
  it('prints {"url"} once listening, checks the key, plays the script, and exits 0 on SIGTERM', async () => {
    const child = run([await scriptFile({ startWhen: 'connected', steps: [{ say: 'Hello from the CLI.' }] }), '--port', '0', '--api-key', 'sk-cli']);
    const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
    const { url } = JSON.parse(line) as { url: string };
    expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
    const ws = new WebSocket(`${url}?model=gpt-realtime`, { headers: { Authorization: 'Bearer sk-cli' } });
    const transcript = await new Promise<string>((resolve) => {
      ws.on('message', (data) => {
        const event = JSON.parse(data.toString()) as { type: string; transcript?: string };
        if (event.type === 'response.output_audio_transcript.done') resolve(event.transcript ?? '');
      });
    });
    expect(transcript).toBe('Hello from the CLI.');
    ws.close();
    child.kill('SIGTERM');
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it('exits 1 with the validation message for a bad script', async () => {
    const path = await scriptFile({ steps: [{ callTool: { chunks: 2 } }] });
    const child = run([path]);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain(`Failed to load the simulator script: ${path}: steps[0].callTool must have exactly one of name and toolFromSession. Please`);
  });

  it('--rehearsal: no script file; prints {"url","httpUrl"}; the model calls the session tool and answers', async () => {
    const child = run(['--rehearsal', '--port', '0', '--seed', '3', '--speech', 'tone']);
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const { url, httpUrl } = JSON.parse(line) as { url: string; httpUrl: string };
      expect(url).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/v1\/realtime$/);
      expect(httpUrl).toBe(url.replace('ws://', 'http://').replace('/v1/realtime', ''));
      const ws = new WebSocket(`${url}?model=gpt-realtime`);
      const events: Array<{ type: string; [field: string]: any }> = [];
      const next = (type: string): Promise<{ [field: string]: any }> =>
        new Promise((resolve) => {
          const look = (): boolean => {
            const at = events.findIndex((event) => event.type === type);
            if (at < 0) return false;
            ws.off('message', look);
            resolve(events.splice(0, at + 1).at(-1)!);
            return true;
          };
          if (!look()) ws.on('message', look);
        });
      ws.on('message', (data) => events.push(JSON.parse(data.toString())));
      await new Promise((resolve) => ws.once('open', resolve));
      const send = (event: object): void => ws.send(JSON.stringify(event));
      send({ type: 'session.update', session: { type: 'realtime', tools: [{ type: 'function', name: 'echo', parameters: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } }] } });
      await next('session.updated');
      send({ type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi.' }] } });
      send({ type: 'response.create' });
      const call = (await next('response.function_call_arguments.done')) as { name: string; call_id: string; arguments: string };
      expect(call.name).toBe('echo');
      expect(JSON.parse(call.arguments)).toEqual({ message: expect.any(String) });
      await next('response.done');
      send({ type: 'conversation.item.create', item: { type: 'function_call_output', call_id: call.call_id, output: 'Echo: hi' } });
      send({ type: 'response.create' });
      expect((await next('response.output_audio_transcript.done')).transcript).toBe('Simulated reply: echo answered: Echo: hi');
      ws.close();
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  });

  it.each([
    [['--rehearsal', 'script.json'], 'both a script file and --rehearsal'],
    [['--rehearsal', '--speech', 'loud'], 'a bad --speech "loud" (auto, espeak or tone)'],
    [['--rehearsal', '--seed', 'x'], 'a bad --seed'],
    [['--rehearsal', '--sped', 'tone'], 'unknown option --sped'],
    [[], 'no script file (or --rehearsal)'],
  ])('exits 1 for %j, saying why and how to run it', async (args, why) => {
    const child = run(args);
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const [code] = await once(child, 'exit');
    expect(code).toBe(1);
    expect(stderr).toContain(`Failed to start the Realtime simulator: ${why}`);
    expect(stderr).toContain('Please run: main.ts');
  });
});
