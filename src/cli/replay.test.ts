/**
 * `realtime-mcp-proxy replay`, in process: a session is recorded here first (the embedded simulator
 * script against the bundled weather MCP server), then replayed as is, tampered with, broken, or
 * missing. `run` mirrors main: a ProxyError `invalid_options` becomes exit 2.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startMockMcpServer } from '../../harness/mock-mcp/index.js';
import { recordScenario } from '../../harness/recordings/recordScenario.js';
import { ProxyError } from '../errors.js';
import type { Command } from './command.js';
import { parseReplayArgs, replayCommand, runReplay, type StepInput } from './replay.js';
import { main } from './main.js';
import { embeddedMcpConfig, embeddedScript } from './start.js';

let dir: string;
let recording: string;

/** Records the embedded round trip to `path`, through the library's own recorder of scenarios. */
async function recordSession(path: string): Promise<void> {
  const outcome = await recordScenario({ name: 'cli', description: 'the embedded round trip', label: 'weather', mock: embeddedMcpConfig, script: embeddedScript }, path);
  expect(outcome).toEqual({ ok: true, written: true });
}

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(command: Command, argv: string[], options: { onWrite?: (text: string) => void; input?: StepInput } = {}): Promise<Run> {
  let out = '';
  let err = '';
  const io = {
    env: {},
    write: (text: string) => {
      out += `${text}\n`;
      options.onWrite?.(text);
    },
    writeError: (text: string) => void (err += `${text}\n`),
  };
  try {
    const code = options.input ? await runReplay(parseReplayArgs(argv), io, options.input) : await command.run(argv, io);
    return { code, out, err };
  } catch (error) {
    if (ProxyError.isInstance(error) && error.code === 'invalid_options') return { code: 2, out, err: err + `${error.message}\n` };
    throw error;
  }
}

const replay = (...argv: string[]) => run(replayCommand, argv);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'replay-cli-'));
  recording = join(dir, 'session.jsonl');
  await recordSession(recording);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the recording with `edit` applied to its lines. */
function variant(name: string, edit: (lines: string[]) => string[]): string {
  const path = join(dir, name);
  const lines = readFileSync(recording, 'utf8').split('\n').filter((line) => line !== '');
  writeFileSync(path, `${edit(lines).join('\n')}\n`);
  return path;
}

/** The recorded tool result, changed in the sse.event that carries it. */
function tampered(): string {
  return variant('tampered.jsonl', (lines) => {
    const at = lines.findIndex((line) => line.includes('"sse.event"') && line.includes('18 °C and light rain'));
    expect(at).toBeGreaterThan(0);
    return lines.map((line, i) => (i === at ? line.replace('18 °C and light rain', '30 °C and sunny') : line));
  });
}

describe('realtime-mcp-proxy replay', () => {
  it('passes on an untouched recording', async () => {
    const result = await replay(recording);
    expect(result.code, result.out).toBe(0);
    const lines = result.out.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^PASS ${recording.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} \\(\\d+ records, 3 client events matched, \\d+ ms\\)$`));
    expect(lines.at(-1)).toBe('1 passed, 0 failed');
    expect(result.err).toBe('');
  });

  it('fails on a changed tool result (exit 1), naming /item/output and showing both values', async () => {
    const file = tampered();
    const result = await replay(file);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`FAIL ${file}: Failed to replay record`);
    expect(result.out).toContain('/item/output');
    expect(result.out).toMatch(/^ {2}- +"output": "18 °C and light rain"/m);
    expect(result.out).toMatch(/^ {2}\+ +"output": "30 °C and sunny"/m);
    expect(result.out.trim().split('\n').at(-1)).toBe('0 passed, 1 failed');
    // Short: the message, the where line, a few context lines, the two values.
    expect(result.out.trim().split('\n').length).toBeLessThan(16);
  });

  it('a malformed line, a missing file, a file that is not a recording: ERROR and exit 2 (bad input, not a behaviour change), and the run goes on', async () => {
    const broken = variant('broken.jsonl', (lines) => lines.map((line, i) => (i === 4 ? '{"seq": oops' : line)));
    const missing = join(dir, 'nowhere.jsonl');
    const foreign = join(dir, 'foreign.jsonl');
    writeFileSync(foreign, '{"hello":"world"}\n');
    const result = await replay(broken, missing, foreign, recording);
    expect(result.code, result.out).toBe(2);
    expect(result.out).toContain(`[1/4] ERROR ${broken}: Failed to read recording ${broken} line 5: it is not JSON`);
    expect(result.out).toContain(`[2/4] ERROR ${missing}: Failed to read recording ${missing}: ENOENT`);
    expect(result.out).toMatch(new RegExp(`\\[3/4\\] ERROR ${foreign.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: Failed to read recording .*\\. Please `));
    expect(result.out).toMatch(/\[4\/4\] PASS /);
    expect(result.out.trim().split('\n').at(-1)).toBe('1 passed, 0 failed, 3 could not be replayed');
    // With a behaviour change beside it, bad input still wins: the run cannot be trusted as a whole.
    const mixed = await replay(tampered(), missing, '--json');
    expect(mixed.code).toBe(2);
    const objects = mixed.out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(objects[0]).toMatchObject({ ok: false });
    expect(objects[0]!.error).toBeUndefined();
    expect(objects[1]).toMatchObject({ ok: false, error: true, failure: { message: expect.stringContaining('ENOENT') } });
    expect(objects[2]).toEqual({ kind: 'summary', passed: 0, failed: 1, errors: 1, files: 2 });
  });

  it('fails an MCP request the recording does not have, without waiting out the MCP timeouts', async () => {
    const file = variant('mcp-mismatch.jsonl', (lines) => lines.map((line) => line.replace('"method":"tools/list"', '"method":"tools/lisx"')));
    const startedAt = Date.now();
    const result = await replay(file);
    expect(result.code).toBe(1);
    expect(result.out).toContain(`FAIL ${file}: Failed to replay MCP server "weather": the proxy sent POST tools/list where the recording has POST tools/lisx`);
    expect(Date.now() - startedAt).toBeLessThan(5000);
  });

  it('counts two files in the summary', async () => {
    const result = await replay(recording, tampered());
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^\[1\/2\] PASS /m);
    expect(result.out).toMatch(/^\[2\/2\] FAIL /m);
    expect(result.out.trim().split('\n').at(-1)).toBe('1 passed, 1 failed');
  });

  it('--json: one object per file and a summary, every line JSON', async () => {
    const file = tampered();
    const result = await replay(recording, file, '--json');
    expect(result.code).toBe(1);
    const objects = result.out.trim().split('\n').map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(objects).toHaveLength(3);
    expect(objects[0]).toMatchObject({ kind: 'file', path: recording, ok: true, matched: 3 });
    expect(objects[1]).toMatchObject({ kind: 'file', path: file, ok: false, failure: { path: '/item/output' } });
    expect((objects[1]!.failure as { expected: { item: { output: string } } }).expected.item.output).toBe('18 °C and light rain');
    expect(objects[2]).toEqual({ kind: 'summary', passed: 1, failed: 1, files: 2 });
  });

  it('--speed replays with the recorded timing, --mcp against a live server', async () => {
    expect((await replay(recording, '--speed', '20')).code).toBe(0);
    const live = await startMockMcpServer(embeddedMcpConfig);
    try {
      const result = await replay(recording, '--mcp', `weather=${live.url}`);
      expect(result.code, result.out).toBe(0);
      expect(live.callLog.map((call) => call.tool)).toEqual(['get_weather']);
      // A label the recording does not have fails the file with a clear message.
      const wrong = await replay(recording, '--mcp', `other=${live.url}`);
      expect(wrong.code).toBe(2);
      expect(wrong.out).toContain(`ERROR ${recording}: `);
      expect(wrong.out).toContain('the recording has the server labels "weather", --mcp gives "other". Please give one --mcp label=url per recorded label.');
    } finally {
      await live.close();
    }
  });

  it('--step waits for Enter before each record, and q stops', async () => {
    const input = Object.assign(new PassThrough(), { isTTY: true });
    const steps: string[] = [];
    const result = await run(replayCommand, [recording, '--step'], {
      input,
      onWrite: (text) => {
        if (!text.startsWith('step ')) return;
        steps.push(text);
        input.write('\n');
      },
    });
    expect(result.code, result.out).toBe(0);
    expect(steps[0]).toMatch(/^step +1 +mcp:weather +out http\.request +POST initialize$/);
    expect(steps.some((step) => /openai +in +ws\.message +session\.created$/.test(step))).toBe(true);
    const passed = /PASS .* \((\d+) records/.exec(result.out);
    expect(Number(passed?.[1])).toBe(steps.length);

    const quitting = Object.assign(new PassThrough(), { isTTY: true });
    let seen = 0;
    const quit = await run(replayCommand, [recording, recording, '--step'], { input: quitting, onWrite: (text) => text.startsWith('step ') && quitting.write(++seen === 3 ? 'q\n' : '\n') });
    expect(quit.code).toBe(1);
    expect(quit.out).toContain('stopped at record 3 (you typed q)');
    expect(quit.out.trim().split('\n').at(-1)).toBe('0 passed, 1 failed, 1 not run (stopped)');
  });

  it('--step refuses when stdin is not a terminal', async () => {
    const result = await run(replayCommand, [recording, '--step'], { input: new PassThrough() });
    expect(result.code).toBe(2);
    expect(result.err).toContain('--step waits for Enter on a terminal, and stdin is not one');
  });

  it.each([
    { why: 'no file', args: [] as string[], says: 'no recording given' },
    { why: 'two paces', args: ['x.jsonl', '--fast', '--step'], says: '--fast and --step cannot be combined' },
    { why: 'a bad --speed', args: ['x.jsonl', '--speed', '0'], says: '--speed must be a number above 0' },
    { why: 'a bad --wait', args: ['x.jsonl', '--wait', 'soon'], says: '--wait must be a positive number of milliseconds' },
    { why: 'a bad --mcp', args: ['x.jsonl', '--mcp', 'http://127.0.0.1:9/mcp'], says: 'is not label=url' },
    { why: 'a --wait without its value', args: ['x.jsonl', '--wait', '--json'], says: '--wait needs a value (write a value that starts with "-" as --wait=VALUE)' },
    { why: 'an unknown flag', args: ['x.jsonl', '--bogus'], says: "Unknown option '--bogus'" },
  ])('bad usage exits 2: $why', async ({ args, says }) => {
    const result = await replay(...args);
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toMatch(/^Failed to start replay: .+\. Please see `realtime-mcp-proxy replay --help`\.\n$/);
    expect(result.err).toContain(says);
  });

  it('--help has examples and says what each exit code means', async () => {
    const out: string[] = [];
    const code = await main(['replay', '--help'], {}, (text) => out.push(text), () => undefined);
    expect(code).toBe(0);
    const help = out.join('\n');
    expect(help).toMatch(/Exit code: 0 every file passed; 1 a file failed \(the proxy behaves differently from the recording\),\s+or --step was stopped; 2 bad flags, or a file that could not be replayed \(ERROR\)\./);
    expect(help).toMatch(/Examples:\n(\s+realtime-mcp-proxy replay .+\n){3,}/);
  });
});
