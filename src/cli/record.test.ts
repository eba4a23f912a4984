/**
 * `realtime-mcp-proxy record`, in process: a connect session against the local Realtime simulator
 * (whose script closes the socket at the end, so the session ends by itself) and the bundled weather
 * MCP server, recorded to a file. The key is given as OPENAI_API_KEY and must appear nowhere.
 * `run` mirrors main: a ProxyError `invalid_options` becomes exit 2.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startMockMcpServer, type MockMcpServer } from '../../harness/mock-mcp/index.js';
import { startRealtimeSimulator, type RealtimeSimulator } from '../../harness/simulator/index.js';
import { ProxyError } from '../errors.js';
import type { Command } from './command.js';
import { recordCommand } from './record.js';
import { replayCommand } from './replay.js';
import { embeddedMcpConfig, embeddedScript } from './start.js';

// Not shaped like a real key: what keeps it out of the file is the proxy handing its key to the recorder.
const KEY = 'local-simulator-key-RECORDtestSECRET';

interface Run {
  code: number;
  out: string;
  err: string;
}

async function run(command: Command, argv: string[], env: NodeJS.ProcessEnv = { OPENAI_API_KEY: KEY }): Promise<Run> {
  let out = '';
  let err = '';
  try {
    const code = await command.run(argv, { env, write: (text) => void (out += `${text}\n`), writeError: (text) => void (err += `${text}\n`) });
    return { code, out, err };
  } catch (error) {
    if (ProxyError.isInstance(error) && error.code === 'invalid_options') return { code: 2, out, err: err + `${error.message}\n` };
    throw error;
  }
}

let dir: string;
let simulator: RealtimeSimulator | undefined;
let mcp: MockMcpServer | undefined;

beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'record-cli-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(async () => {
  await simulator?.close();
  await mcp?.close();
  simulator = undefined;
  mcp = undefined;
});

/** The embedded round trip, then the simulator closes the socket (1000), which ends connect. */
async function servers(): Promise<{ sim: RealtimeSimulator; mcp: MockMcpServer }> {
  mcp = await startMockMcpServer(embeddedMcpConfig);
  simulator = await startRealtimeSimulator({ script: { ...embeddedScript, steps: [...embeddedScript.steps, { close: { code: 1000 } }] }, apiKey: KEY });
  return { sim: simulator, mcp };
}

const fileLines = (path: string) => readFileSync(path, 'utf8').split('\n').filter((line) => line !== '');

describe('realtime-mcp-proxy record', () => {
  it('records a connect session: a header first, the key nowhere, the line count printed, and it replays', async () => {
    const { sim, mcp } = await servers();
    const out = join(dir, 'session.jsonl');
    const result = await run(recordCommand, ['--out', out, '--', '--realtime-url', sim.url, '--mcp', `weather=${mcp.url}`]);
    expect(result.code, result.out + result.err).toBe(0);
    expect((await sim.done).ok).toBe(true);
    expect(existsSync(out)).toBe(true);
    const lines = fileLines(out);
    expect(JSON.parse(lines[0]!)).toMatchObject({ kind: 'header', format: 'realtime-mcp-proxy/recording', version: 1, redaction: { ids: 'placeholders', audio: 'elided' }, servers: [{ label: 'weather' }] });
    // The session itself went through: the call, its MCP answer, and the close that ended it.
    const records = lines.slice(1).map((line) => JSON.parse(line) as { kind: string; data?: { type?: string; item?: { output?: string } } });
    expect(records.some((r) => r.data?.type === 'conversation.item.create' && r.data.item?.output === '18 °C and light rain')).toBe(true);
    expect(records.some((r) => r.kind === 'ws.close')).toBe(true);
    // Where it wrote, first and last, with the true line count.
    const printed = result.out.trim().split('\n');
    expect(printed[0]).toBe(`record   writing ${out} (audio elided, ids as placeholders)`);
    expect(printed.at(-1)).toBe(`recorded ${lines.length} lines to ${out}`);
    expect(result.out).toMatch(/mcp\s+get_weather\(\{"city":"Paris"\}\) → ok: 18 °C and light rain/);
    // The key: not in the file, not in what was printed.
    expect(readFileSync(out, 'utf8')).not.toContain(KEY);
    expect(result.out + result.err).not.toContain(KEY);
    expect(readFileSync(out, 'utf8')).not.toContain('RECORDtestSECRET');

    const replayed = await run(replayCommand, [out]);
    expect(replayed.code, replayed.out).toBe(0);
    expect(replayed.out).toMatch(/^PASS .* \(\d+ records, 3 client events matched, \d+ ms\)$/m);
  });

  it('--json, --audio sidecar and --raw-ids: JSON lines only, audio in the sidecar, the key still nowhere', async () => {
    const { sim, mcp } = await servers();
    const out = join(dir, 'raw.jsonl');
    const result = await run(recordCommand, ['--out', out, '--audio', 'sidecar', '--raw-ids', '--description', 'sidecar test', '--', '--realtime-url', sim.url, '--mcp', `weather=${mcp.url}`, '--json']);
    expect(result.code, result.out).toBe(0);
    const printed = result.out.trim().split('\n').map((line) => JSON.parse(line) as { tag: string; text: string; lines?: number; audioPath?: string });
    const last = printed.at(-1)!;
    const sidecar = join(dir, 'raw.audio.jsonl');
    expect(last).toMatchObject({ tag: 'recorded', lines: fileLines(out).length, audioPath: sidecar });
    expect(last.text).toContain(`to ${out}; audio in ${sidecar}`);
    expect(JSON.parse(fileLines(out)[0]!)).toMatchObject({ kind: 'header', description: 'sidecar test', redaction: { ids: 'raw', audio: 'sidecar' } });
    expect(readFileSync(out, 'utf8')).toMatch(/"call_id":"call_\w+"/);
    expect(existsSync(sidecar)).toBe(true);
    expect(JSON.parse(fileLines(sidecar)[0]!)).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/), base64: expect.any(String) });
    for (const file of [out, sidecar]) expect(readFileSync(file, 'utf8')).not.toContain(KEY);
    expect(result.out + result.err).not.toContain(KEY);
  });

  it('--id-map: every placeholder in the recording has one line with the real id it stands for', async () => {
    const { sim, mcp } = await servers();
    const out = join(dir, 'mapped.jsonl');
    const result = await run(recordCommand, ['--out', out, '--id-map', '--', '--realtime-url', sim.url, '--mcp', `weather=${mcp.url}`]);
    expect(result.code, result.out + result.err).toBe(0);
    const mapPath = join(dir, 'mapped.ids.jsonl');
    const entries = fileLines(mapPath).map((line) => JSON.parse(line) as { placeholder: string; id: string });
    expect(result.out.trim().split('\n').at(-1)).toBe(`recorded ${fileLines(out).length} lines to ${out}; id mapping in ${mapPath} (${entries.length} ids)`);
    const used = new Set(readFileSync(out, 'utf8').match(/<id:[a-z_-]+:\d+>/g));
    expect(new Set(entries.map((entry) => entry.placeholder))).toEqual(used);
    expect(new Set(entries.map((entry) => entry.id)).size).toBe(entries.length);
    const call = entries.find((entry) => entry.placeholder.startsWith('<id:call:'));
    expect(call?.id).toMatch(/^call_\w+$/);
    expect(readFileSync(out, 'utf8')).not.toContain(call!.id);
    expect(readFileSync(mapPath, 'utf8')).not.toContain(KEY);
  });

  it('exits 1 and still reports the file when the session cannot start', async () => {
    const { sim, mcp } = await servers();
    const out = join(dir, 'refused.jsonl');
    const result = await run(recordCommand, ['--out', out, '--', '--realtime-url', sim.url, '--mcp', `weather=${mcp.url}`], { OPENAI_API_KEY: 'local-simulator-key-wrongKEY' });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/^error +(connect_failed: )?Failed to connect to .*401/m);
    expect(result.out.trim().split('\n').at(-1)).toMatch(new RegExp(`^recorded \\d+ lines? to ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    expect(readFileSync(out, 'utf8')).not.toContain('wrongKEY');
  });

  it('passes --config after -- to connect: a bad file exits 2 before anything is written', async () => {
    const { sim } = await servers();
    const out = join(dir, 'configured.jsonl');
    const config = join(dir, 'bad-config.json');
    writeFileSync(config, JSON.stringify({ realtime: { url: sim.url }, servers: [{ label: 'weather', url: 'http://127.0.0.1:9/mcp', tokn: 'x' }] }));
    const result = await run(recordCommand, ['--out', out, '--', '--config', config]);
    expect(result.code).toBe(2);
    expect(result.err).toBe(`Failed to read the config file ${config}: /servers/0/tokn is not a known key (did you mean "token"?). Please fix the file (its JSON Schema is realtime-mcp-proxy/schemas/config.schema.json).\n`);
    expect(existsSync(out)).toBe(false);
  });

  it('records a session configured by --config after --', async () => {
    const { sim, mcp } = await servers();
    const out = join(dir, 'from-config.jsonl');
    const config = join(dir, 'config.json');
    writeFileSync(config, JSON.stringify({ realtime: { url: sim.url }, servers: [{ label: 'weather', url: mcp.url }] }));
    const result = await run(recordCommand, ['--out', out, '--', '--config', config]);
    expect(result.code, result.out + result.err).toBe(0);
    expect(JSON.parse(fileLines(out)[0]!)).toMatchObject({ kind: 'header', servers: [{ label: 'weather' }] });
    expect(result.out).toMatch(/mcp\s+get_weather\(\{"city":"Paris"\}\) → ok: 18 °C and light rain/);
  });

  it.each([
    { why: 'no --out', args: ['--', '--mcp', 'w=http://127.0.0.1:9/mcp'], says: 'Failed to start record: no --out file given' },
    { why: '--raw-ids with --id-map', args: ['--out', 'x.jsonl', '--raw-ids', '--id-map', '--'], says: '--id-map maps placeholders to ids, and --raw-ids writes no placeholders' },
    { why: 'a bad --audio', args: ['--out', 'x.jsonl', '--audio', 'loud', '--'], says: '--audio must be elided, sidecar or kept, not "loud"' },
    { why: 'a connect flag before --', args: ['--out', 'x.jsonl', '--mcp', 'w=http://127.0.0.1:9/mcp'], says: '--mcp is a connect flag: put it after `--`' },
    { why: '--out last', args: ['--out'], says: 'Failed to start record: --out needs a value. Please see' },
    { why: 'a missing directory', args: ['--out', '/nonexistent-dir-for-record/x.jsonl', '--'], says: 'the directory /nonexistent-dir-for-record does not exist' },
    { why: 'no MCP server after --', args: ['--out', 'x.jsonl', '--'], says: 'Failed to start connect: no MCP server' },
    { why: 'no key', args: ['--out', 'x.jsonl', '--', '--mcp', 'w=http://127.0.0.1:9/mcp'], env: {}, says: 'no API key' },
  ])('bad usage exits 2 and writes nothing: $why', async ({ args, says, env }) => {
    const cwdFile = join(process.cwd(), 'x.jsonl');
    const existed = existsSync(cwdFile);
    const result = await run(recordCommand, args, env ?? { OPENAI_API_KEY: KEY });
    expect(result.code).toBe(2);
    expect(result.out).toBe('');
    expect(result.err).toContain(says);
    expect(result.err).toMatch(/Please see `realtime-mcp-proxy (record|connect) --help`\.\n$/);
    expect(existsSync(cwdFile)).toBe(existed);
  });
});
