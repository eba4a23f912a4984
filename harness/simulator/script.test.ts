import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadSimulatorScript, toPlan, validateSimulatorScript } from './script.js';

const here = dirname(fileURLToPath(import.meta.url));
let dir: string | undefined;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

function problem(value: unknown): string {
  try {
    validateSimulatorScript(value);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('Expected the script to be refused.');
}

describe('validateSimulatorScript', () => {
  it('accepts a bare list of steps and a script object, and returns a copy', () => {
    const steps = [{ user: 'Hi' }, { callTool: { name: 'x', arguments: { a: 1 } } }];
    const script = validateSimulatorScript(steps);
    expect(script).toEqual({ steps });
    expect(script.steps).not.toBe(steps);
    expect(validateSimulatorScript({ description: 'd', startWhen: 'connected', toolTimeoutMs: 50, deltaDelayMs: 0, audioChunkMs: 20, steps: [] }).steps).toEqual([]);
  });

  it.each([
    [42, 'the script must be an object'],
    [{ steps: [], extra: 1 }, 'extra is not a known key (known: description, startWhen, toolTimeoutMs, deltaDelayMs, audioChunkMs, steps)'],
    [{ steps: {} }, 'steps must be an array of steps'],
    [{ steps: [], audioChunkMs: 200 }, 'audioChunkMs must be an integer from 20 to 100 (got 200)'],
    [{ steps: [], startWhen: 'later' }, 'startWhen must be "connected" or "session.updated" (got "later")'],
    [[{}], 'steps[0] must have exactly one of user, say, callTool, callTools, bargeIn, activeResponseRace, unknownEvent, betaNames, sessionExpired, wait, close (found none)'],
    [[{ user: 'a', say: 'b' }], 'steps[0] must have exactly one of'],
    [[{ user: '' }], 'steps[0].user must be a non-empty string'],
    [[{ user: 'a', reply: 'x' }], 'steps[0].reply is not a known key here (known: note, user)'],
    [[{ callTool: { arguments: {} } }], 'steps[0].callTool must have exactly one of name and toolFromSession'],
    [[{ callTool: { name: 'x', toolFromSession: 0 } }], 'steps[0].callTool must have exactly one of name and toolFromSession'],
    [[{ callTool: { name: 'x', chunks: 0 } }], 'steps[0].callTool.chunks must be an integer ≥ 1 (got 0)'],
    [[{ callTool: { name: 'x', callId: '' } }], 'steps[0].callTool.callId must be a non-empty string'],
    [[{ callTools: [{ name: 'x', itemId: 7 }] }], 'steps[0].callTools[0].itemId must be a non-empty string'],
    [[{ callTool: { name: 'x', arguments: [1] } }], 'steps[0].callTool.arguments must be an object or a string'],
    [[{ callTool: { name: 'x', reply: true } }], 'steps[0].callTool.reply must be a non-empty string or false'],
    [[{ callTool: { name: 'x', when: 1 } }], 'steps[0].callTool.when is not a known key'],
    [[{ callTools: [] }], 'steps[0].callTools must be a non-empty array of calls'],
    [[{ callTools: [{ name: 'x', say: 'no' }] }], 'steps[0].callTools[0].say is not a known key'],
    [[{ bargeIn: { during: 'never' } }], 'steps[0].bargeIn.during must be "arguments", "audio" or "toolCall" (got "never")'],
    [[{ bargeIn: { during: 'arguments' } }, { say: 'x' }], 'steps[0].bargeIn (during arguments) needs a later callTool or callTools step'],
    [[{ bargeIn: { during: 'audio' } }], 'steps[0].bargeIn (during audio) needs a later say, callTool or callTools step'],
    [[{ activeResponseRace: true }, { callTool: { name: 'x', reply: false } }], 'steps[0].activeResponseRace needs a later callTool or callTools step that waits'],
    [[{ unknownEvent: { detail: 1 } }], 'steps[0].unknownEvent.type must be a non-empty string'],
    [[{ wait: -1 }], 'steps[0].wait must be an integer ≥ 0 (got -1)'],
    [[{ close: { code: 1006 } }], 'steps[0].close.code must be a close code a server may send'],
    [[{ sessionExpired: true }, { say: 'x' }], 'steps[0].sessionExpired must be the last step (the socket closes)'],
    [[{ betaNames: 'yes' }], 'steps[0].betaNames must be a boolean'],
  ])('refuses %j: %s', (value, why) => {
    const message = problem(value);
    expect(message).toMatch(/^Failed to load the simulator script: /);
    expect(message).toContain(why);
    expect(message).toMatch(/\. Please fix it \(harness\/simulator\/README\.md describes the format\)\.$/);
  });

  it('turns steps into the plan the player runs (defaults filled in)', () => {
    expect(
      toPlan([
        { callTool: { toolFromSession: 0, say: 'Hm.', timeoutMs: 5 } },
        { callTools: [{ name: 'a' }], reply: false },
        { bargeIn: { during: 'toolCall' } },
        { sessionExpired: true },
      ]),
    ).toEqual([
      { kind: 'calls', calls: [{ toolFromSession: 0 }], say: 'Hm.', reply: 'Here is what I found: {output}', timeoutMs: 5 },
      { kind: 'calls', calls: [{ name: 'a' }], reply: null },
      { kind: 'bargeIn', during: 'toolCall', user: 'Wait, actually, never mind.', afterDeltas: 1 },
      { kind: 'sessionExpired', code: 1000, reason: '' },
    ]);
  });
});

describe('loadSimulatorScript', () => {
  it('names the file when it is missing, not JSON, or invalid', async () => {
    dir = await mkdtemp(join(tmpdir(), 'simulator-script-'));
    const missing = join(dir, 'missing.json');
    await expect(loadSimulatorScript(missing)).rejects.toThrow(`Failed to load the simulator script: ${missing}: cannot be read (`);
    const broken = join(dir, 'broken.json');
    await writeFile(broken, '{ steps: ');
    await expect(loadSimulatorScript(broken)).rejects.toThrow(`Failed to load the simulator script: ${broken}: is not JSON (`);
    const invalid = join(dir, 'invalid.json');
    await writeFile(invalid, JSON.stringify({ steps: [{ wait: 'soon' }] }));
    await expect(loadSimulatorScript(invalid)).rejects.toThrow(`Failed to load the simulator script: ${invalid}: steps[0].wait must be an integer ≥ 0 (got "soon"). Please`);
  });

  it('loads every example script in scripts/', async () => {
    const files = (await readdir(join(here, 'scripts'))).filter((file) => file.endsWith('.json'));
    expect(files.length).toBeGreaterThanOrEqual(3);
    for (const file of files) expect((await loadSimulatorScript(join(here, 'scripts', file))).steps.length).toBeGreaterThan(0);
  });
});
