import { describe, expect, it } from 'vitest';
import { bundledRecordings } from './bundledRecordings';
import { checkRecording, MAX_RECORDING_BYTES } from './checkRecording';

describe('bundledRecordings', () => {
  it('lists the repository’s recordings by name and loads them lazily', async () => {
    const names = bundledRecordings.map((recording) => recording.name);
    expect(names).toContain('single-call');
    expect(names).toEqual([...names].sort((a, b) => a.localeCompare(b, 'en')));
    const text = await bundledRecordings.find((recording) => recording.name === 'single-call')!.load();
    expect(text.startsWith('{"kind":"header"')).toBe(true);
  });
});

describe('checkRecording', () => {
  it('accepts every bundled recording', async () => {
    for (const recording of bundledRecordings) {
      const checked = checkRecording(await recording.load());
      expect(checked, recording.name).toMatchObject({ ok: true });
      if (checked.ok) expect(checked.records).toBeGreaterThan(0);
    }
  });

  it('names the first bad line and why', async () => {
    const text = await bundledRecordings.find((recording) => recording.name === 'single-call')!.load();
    const lines = text.split('\n');
    const broken = [...lines.slice(0, 3), '{"seq": "not a number"', ...lines.slice(3), 'also bad'].join('\n');
    const checked = checkRecording(broken);
    expect(checked).toMatchObject({ ok: false });
    if (!checked.ok) expect(checked.message).toMatch(/^Failed to read recording line 4: it is not JSON .*Please /);
    const windows = lines.join('\r\n') + '\r\n\r\n';
    expect(checkRecording(windows)).toMatchObject({ ok: true });
  });

  it('refuses empty files, files without a header and oversized files', () => {
    expect(checkRecording('')).toEqual({ ok: false, message: 'Failed to read the recording: the file is empty. Please choose a recording file.' });
    expect(checkRecording('\n \n')).toMatchObject({ ok: false });
    expect(checkRecording('{"seq":1}')).toMatchObject({ ok: false, message: expect.stringContaining('line 1: the first line must be the header') });
    expect(checkRecording('[]')).toMatchObject({ ok: false, message: expect.stringContaining('not a JSON object') });
    expect(checkRecording(`{"__proto__":{"polluted":1}}`)).toMatchObject({ ok: false });
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(checkRecording('x'.repeat(MAX_RECORDING_BYTES + 1))).toMatchObject({ ok: false, message: expect.stringContaining('more than the 4 MiB') });
  });
});
