import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordScenario } from './recordScenario.js';
import { scenarios, type RecordingScenario } from './scenarios.js';

const dir = mkdtempSync(join(tmpdir(), 'record-scenario-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const singleCall = scenarios.find((scenario) => scenario.name === 'single-call')!;

describe('recordScenario', () => {
  it('writes the recording of a scenario that plays through', async () => {
    const path = join(dir, 'single-call.jsonl');
    expect(await recordScenario(singleCall, path)).toEqual({ ok: true, written: true });
    const types = readFileSync(path, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { kind: string; dir?: string; data?: { type?: string } })
      .filter((line) => line.kind === 'ws.message' && line.dir === 'out')
      .map((line) => line.data?.type);
    expect(types).toEqual(['session.update', 'conversation.item.create', 'response.create']);
  });

  it('refuses to write a recording in which the proxy attempted a send its encoder refused, and says which', async () => {
    // A session field the Realtime API does not have: the proxy's session.update is refused, nothing goes out.
    const refusing: RecordingScenario = { ...singleCall, proxy: { session: { not_a_session_field: true } as never } };
    const path = join(dir, 'refused.jsonl');
    const outcome = await recordScenario(refusing, path);
    expect(outcome).toMatchObject({ ok: false, written: false });
    expect(outcome.error).toMatch(/^the proxy attempted a send its encoder refused, so the recording was not written: .*\/session\/not_a_session_field.*The refused event: \{"type":"session.update"/);
    expect(existsSync(path)).toBe(false);
  });
});
