import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  RECORDING_FORMAT,
  RECORDING_VERSION,
  formatRecordingLine,
  parseRecordingLine,
  type ParsedLine,
  type RecordingHeader,
  type RecordingLine,
  type RecordingRecord,
} from './format.js';

const header: RecordingHeader = {
  kind: 'header',
  format: RECORDING_FORMAT,
  version: RECORDING_VERSION,
  startedAt: '2026-01-02T03:04:05.678Z',
  clock: 'monotonic-ms',
  model: 'gpt-realtime',
  redaction: { profile: 'default', ids: 'placeholders', audio: 'elided' },
  servers: [{ label: 'everything', transport: 'streamable-http', url: 'http://127.0.0.1:3001/mcp' }],
};

const base = { seq: 2, t: 12.5, peer: 'openai', dir: 'in' } as const;

/** One valid record of every kind. */
const records: Record<RecordingRecord['kind'], RecordingRecord> = {
  'ws.open': { ...base, dir: 'out', kind: 'ws.open', url: 'wss://api.openai.com/v1/realtime?model=gpt-realtime', headers: { authorization: '<redacted>' } },
  'ws.message': { ...base, kind: 'ws.message', data: { type: 'session.created', event_id: '<id:event:1>' } },
  'ws.close': { ...base, kind: 'ws.close', code: 1000, reason: 'bye' },
  'http.request': { ...base, peer: 'mcp:everything', dir: 'out', kind: 'http.request', rid: 'r1', method: 'POST', url: 'http://127.0.0.1:3001/mcp', body: { jsonrpc: '2.0', id: 1, method: 'tools/list' } },
  'http.response': { ...base, peer: 'mcp:everything', kind: 'http.response', rid: 'r1', status: 200, headers: { 'content-type': 'application/json' }, body: { jsonrpc: '2.0', id: 1, result: {} } },
  'sse.event': { ...base, peer: 'mcp:everything', kind: 'sse.event', rid: 'r1', event: 'message', id: '7', data: { jsonrpc: '2.0', id: 1, result: {} } },
  'jsonrpc.message': { ...base, peer: 'mcp:files', kind: 'jsonrpc.message', data: { jsonrpc: '2.0', method: 'notifications/tools/list_changed' } },
  'approval.answer': { ...base, peer: 'host', kind: 'approval.answer', approvalId: 'appr_1', approved: false, reason: 'not now', sticky: true },
  'allowedTools.set': { ...base, peer: 'host', kind: 'allowedTools.set', allowedTools: ['everything/echo'] },
};

function expectLine(result: ParsedLine): RecordingLine {
  if (!result.ok) expect.fail(`expected ok, got ${result.message}`);
  return result.line;
}

/** The message of a refused line, after checking it reads "Failed to read recording line N: …. Please …". */
function expectRefused(result: ParsedLine, lineNumber: number): string {
  if (result.ok) expect.fail(`expected a refusal, got ${JSON.stringify(result.line)}`);
  expect(result.message).toMatch(new RegExp(`^Failed to read recording line ${lineNumber}: .+\\. Please .+`));
  return result.message;
}

const parseRecord = (record: unknown, lineNumber = 2) => parseRecordingLine(JSON.stringify(record), lineNumber);

/** A copy of a valid record without one field, or with one field set to another value. */
function without(record: RecordingRecord, key: string): Record<string, unknown> {
  const { [key]: _dropped, ...rest } = record as unknown as Record<string, unknown>;
  return rest;
}
const withField = (record: RecordingRecord, key: string, value: unknown) => ({ ...record, [key]: value });

describe('parseRecordingLine: the header', () => {
  it('accepts a valid header on line 1 and returns it as parsed', () => {
    expect(expectLine(parseRecordingLine(formatRecordingLine(header), 1))).toStrictEqual(header);
  });

  it('accepts a minimal header (model, servers, proxy and meta are optional)', () => {
    const { model: _m, servers: _s, ...minimal } = header;
    expect(expectLine(parseRecordingLine(JSON.stringify(minimal), 1))).toStrictEqual(minimal);
  });

  it('refuses a record on line 1, and says the first line must be the header', () => {
    const message = expectRefused(parseRecord(records['ws.message'], 1), 1);
    expect(message).toContain('first line must be the header');
  });

  it('refuses a header on any later line', () => {
    for (const lineNumber of [2, 3, 500]) {
      const message = expectRefused(parseRecordingLine(formatRecordingLine(header), lineNumber), lineNumber);
      expect(message).toContain('header may only be the first line');
    }
  });

  it('refuses a header with the wrong format name, clock or redaction settings, naming the field', () => {
    expect(expectRefused(parseRecordingLine(JSON.stringify({ ...header, format: 'something-else' }), 1), 1)).toContain('/format');
    expect(expectRefused(parseRecordingLine(JSON.stringify({ ...header, clock: 'wall-ms' }), 1), 1)).toContain('/clock');
    expect(expectRefused(parseRecordingLine(JSON.stringify({ ...header, redaction: { ...header.redaction, ids: 'hashed' } }), 1), 1)).toContain('/redaction/ids');
  });

  it('refuses a header missing a required field, naming the field', () => {
    for (const key of ['format', 'version', 'startedAt', 'clock', 'redaction']) {
      const { [key as keyof RecordingHeader]: _dropped, ...rest } = header;
      expect(expectRefused(parseRecordingLine(JSON.stringify(rest), 1), 1)).toContain(`"${key}"`);
    }
  });

  it('refuses a startedAt that is not a date-time', () => {
    expect(expectRefused(parseRecordingLine(JSON.stringify({ ...header, startedAt: 'yesterday' }), 1), 1)).toContain('/startedAt');
  });

  it('refuses a version that is not a positive integer', () => {
    for (const version of [0, 1.5, '1']) expectRefused(parseRecordingLine(JSON.stringify({ ...header, version }), 1), 1);
  });

  it('refuses a newer version, saying which versions are involved and to upgrade', () => {
    const message = expectRefused(parseRecordingLine(JSON.stringify({ ...header, version: RECORDING_VERSION + 1 }), 1), 1);
    expect(message).toContain(`version ${RECORDING_VERSION + 1} is newer`);
    expect(message).toContain(`(${RECORDING_VERSION})`);
    expect(message).toContain('upgrade');
  });

  it('refuses a server label the peer pattern could not name', () => {
    expectRefused(parseRecordingLine(JSON.stringify({ ...header, servers: [{ label: 'has space' }] }), 1), 1);
    expectRefused(parseRecordingLine(JSON.stringify({ ...header, servers: [{ label: 'x'.repeat(33) }] }), 1), 1);
  });
});

describe('parseRecordingLine: JSON', () => {
  it('refuses text that is not JSON, quoting the parser', () => {
    const message = expectRefused(parseRecordingLine('{"kind":"header",', 1), 1);
    expect(message).toContain('it is not JSON (');
  });

  it('refuses JSON that is not an object (null, an array, a string, a number)', () => {
    for (const text of ['null', '[]', '[{"kind":"header"}]', '"header"', '42']) {
      expect(expectRefused(parseRecordingLine(text, 3), 3)).toContain('not a JSON object');
    }
  });

  it('puts the given line number in the message', () => {
    expect(expectRefused(parseRecordingLine('nope', 17), 17)).toContain('line 17:');
  });
});

describe('parseRecordingLine: records', () => {
  it.each(Object.entries(records))('accepts a valid %s record after line 1', (_kind, record) => {
    expect(expectLine(parseRecord(record))).toStrictEqual(record);
  });

  it('accepts a ws.message whose data is the text of a frame that was not JSON', () => {
    const record = { ...records['ws.message'], data: 'not json {' };
    expect(expectLine(parseRecord(record))).toStrictEqual(record);
  });

  it('refuses an unknown kind', () => {
    expect(expectRefused(parseRecord({ ...records['ws.close'], kind: 'ws.ping' }), 2)).toContain('/kind');
  });

  it.each(['seq', 't', 'peer', 'dir', 'kind'])('refuses a record without %s', (key) => {
    expect(expectRefused(parseRecord(without(records['ws.close'], key)), 2)).toContain(`"${key}"`);
  });

  it('refuses a seq below 1 or not an integer, a negative t, an unknown dir', () => {
    expect(expectRefused(parseRecord(withField(records['ws.close'], 'seq', 0)), 2)).toContain('/seq');
    expect(expectRefused(parseRecord(withField(records['ws.close'], 'seq', 1.5)), 2)).toContain('/seq');
    expect(expectRefused(parseRecord(withField(records['ws.close'], 't', -1)), 2)).toContain('/t');
    expect(expectRefused(parseRecord(withField(records['ws.close'], 'dir', 'both')), 2)).toContain('/dir');
  });

  describe('the peer', () => {
    it.each(['openai', 'client', 'host', 'mcp:a', 'mcp:everything', 'mcp:my_server-2', `mcp:${'x'.repeat(32)}`])('accepts %s', (peer) => {
      expectLine(parseRecord(withField(records['ws.close'], 'peer', peer)));
    });

    it.each(['', 'server', 'OpenAI', 'mcp', 'mcp:', 'mcp:a.b', 'mcp:has space', `mcp:${'x'.repeat(33)}`, 'openai ', 'xopenai', 'mcp:a\n'])('refuses %j', (peer) => {
      expect(expectRefused(parseRecord(withField(records['ws.close'], 'peer', peer)), 2)).toContain('/peer');
    });
  });

  /** For each kind: the fields it requires, and a field set to a value of the wrong type. */
  const rules: Array<[RecordingRecord['kind'], string[], Array<[string, unknown]>]> = [
    ['ws.open', [], [['url', 42], ['headers', { authorization: 1 }]]],
    ['ws.message', ['data'], [['data', 42], ['data', ['array']], ['data', null]]],
    ['ws.close', ['code'], [['code', 'normal'], ['code', 1000.5], ['reason', 1]]],
    ['http.request', ['rid', 'method', 'url'], [['rid', 1], ['method', null], ['url', {}], ['headers', { accept: ['a'] }]]],
    ['http.response', ['rid', 'status'], [['status', '200'], ['status', 200.5], ['headers', { 'content-type': null }]]],
    ['sse.event', ['rid', 'data'], [['rid', 1], ['event', 1], ['id', 7]]],
    ['jsonrpc.message', ['data'], [['data', 'text'], ['data', [{ jsonrpc: '2.0' }]]]],
    ['approval.answer', ['approvalId', 'approved'], [['approvalId', 1], ['approved', 'yes'], ['reason', false], ['sticky', 'no']]],
  ];

  describe.each(rules)('%s', (kind, required, wrong) => {
    if (required.length > 0) {
      it.each(required)('refuses it without %s', (key) => {
        expect(expectRefused(parseRecord(without(records[kind], key), 4), 4)).toContain(`"${key}"`);
      });
    }

    it.each(wrong)('refuses %s = %j', (key, value) => {
      expect(expectRefused(parseRecord(withField(records[kind], key, value), 4), 4)).toContain(`/${key}`);
    });
  });

  it('applies the rules of the record its kind names, not of another kind', () => {
    // A ws.close needs a code; the same object called approval.answer needs approvalId instead.
    const close = records['ws.close'];
    expect(expectRefused(parseRecord({ ...close, kind: 'approval.answer' }), 2)).toContain('"approvalId"');
    expectLine(parseRecord({ ...without(close, 'code'), kind: 'ws.open' }));
  });

  it('shows at most three problems, then how many more', () => {
    const message = expectRefused(parseRecordingLine('{"kind":"approval.answer","peer":"nobody","dir":"sideways","t":-1,"seq":0}', 2), 2);
    expect(message).toMatch(/and \d+ more/);
  });
});

describe('formatRecordingLine', () => {
  it('writes one line of JSON that parses back to the same header and records', () => {
    expect(formatRecordingLine(header)).not.toContain('\n');
    expect(expectLine(parseRecordingLine(formatRecordingLine(header), 1))).toStrictEqual(header);
    for (const record of Object.values(records)) {
      const text = formatRecordingLine(record);
      expect(text).not.toContain('\n');
      expect(JSON.parse(text)).toStrictEqual(record);
      expect(expectLine(parseRecordingLine(text, 2))).toStrictEqual(record);
    }
  });

  it('keeps newlines inside strings escaped, so a record stays on one line', () => {
    const record: RecordingRecord = { ...records['ws.message'], kind: 'ws.message', data: 'line 1\nline 2\r\n' } as RecordingRecord;
    const text = formatRecordingLine(record);
    expect(text.split('\n')).toHaveLength(1);
    expect(expectLine(parseRecordingLine(text, 9))).toStrictEqual(record);
  });

  it('round-trips any ws.message with JSON data (property)', () => {
    fc.assert(
      fc.property(
        fc.dictionary(fc.string(), fc.jsonValue()),
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.double({ min: 0, max: 1e9, noNaN: true, noDefaultInfinity: true }),
        fc.constantFrom('openai', 'client', 'host', 'mcp:x'),
        (data, seq, t, peer) => {
          const record = { seq, t, peer, dir: 'in', kind: 'ws.message', data } as RecordingRecord;
          const text = formatRecordingLine(record);
          expect(text).not.toContain('\n');
          expect(expectLine(parseRecordingLine(text, seq + 1))).toStrictEqual(JSON.parse(JSON.stringify(record)));
        },
      ),
      { numRuns: 200 },
    );
  });
});
