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
});
