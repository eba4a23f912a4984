import { describe, expect, it } from 'vitest';
import { clientEventExamples, extraClientEvents, extraServerEvents, serverEventExamples } from '../../test/fixtures/realtimeEvents.js';
import { decodeClientEvent, decodeServerEvent, encodeClientEvent, type CodecError, type DecodeResult, type EncodeResult } from './codec.js';
import realtimeSchema from './generated/realtime.schema.json' with { type: 'json' };
import type { ClientEvent, ServerEvent } from './generated/types.js';

const utf8 = new TextEncoder();

function expectOk<Event>(result: DecodeResult<Event>): Extract<DecodeResult<Event>, { ok: true }> {
  if (!result.ok) expect.fail(`expected ok, got ${JSON.stringify(result.error)}`);
  return result;
}

function expectText(result: EncodeResult): string {
  if (!result.ok) expect.fail(`expected ok, got ${JSON.stringify(result.error)}`);
  return result.text;
}

/** The error of a failed result, after checking the message reads "Failed to …. Please …". */
function expectError(result: DecodeResult<unknown> | EncodeResult): CodecError {
  if (result.ok) expect.fail(`expected an error, got ${JSON.stringify(result)}`);
  expect(result.error.message).toMatch(/^Failed to /);
  expect(result.error.message).toContain('Please');
  return result.error;
}

function pick(value: object | undefined, keys: string[]): Record<string, unknown> {
  return Object.fromEntries(Object.entries(value ?? {}).filter(([key]) => keys.includes(key)));
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const serverEvents: Array<[string, ServerEvent]> = [
  ...Object.entries(serverEventExamples),
  ...extraServerEvents.map((event, i): [string, ServerEvent] => [`extra #${i} ${event.type}`, event]),
];
const clientEvents: Array<[string, ClientEvent]> = [
  ...Object.entries(clientEventExamples),
  ...extraClientEvents.map((event, i): [string, ClientEvent] => [`extra #${i} ${event.type}`, event]),
];

describe('decodeServerEvent on the examples', () => {
  const inputs: Array<[string, (event: ServerEvent) => Parameters<typeof decodeServerEvent>[0]]> = [
    ['a string', (event) => JSON.stringify(event)],
    ['a Uint8Array', (event) => utf8.encode(JSON.stringify(event))],
    ['an ArrayBuffer', (event) => utf8.encode(JSON.stringify(event)).slice().buffer],
    ['an object', (event) => event],
  ];

  describe.each(serverEvents)('%s', (_name, example) => {
    it.each(inputs)('decodes from %s to an equal event, GA dialect', (_input, toInput) => {
      const result = expectOk(decodeServerEvent(toInput(example)));
      expect(result.event).toStrictEqual(example);
      expect(result.wireType).toBe(example.type);
      expect(result.dialect).toBe('ga');
    });

    it('returns the very object it was given (no copy for GA events)', () => {
      expect(expectOk(decodeServerEvent(example)).event).toBe(example);
    });

    it('is stable: re-serialising the decoded event decodes to the same event', () => {
      const once = expectOk(decodeServerEvent(JSON.stringify(example))).event;
      const twice = expectOk(decodeServerEvent(JSON.stringify(once)));
      expect(twice.event).toStrictEqual(once);
      expect(JSON.stringify(twice.event)).toBe(JSON.stringify(once));
    });
  });

  it('decodes a Uint8Array that is a view into a larger buffer', () => {
    const text = JSON.stringify(serverEventExamples['response.output_audio.delta']);
    const bytes = utf8.encode(`xx${text}yy`);
    const result = expectOk(decodeServerEvent(bytes.subarray(2, bytes.length - 2)));
    expect(result.event).toStrictEqual(serverEventExamples['response.output_audio.delta']);
  });
});

describe('encodeClientEvent / decodeClientEvent on the examples', () => {
  it.each(clientEvents)('%s: encodes to its JSON and round-trips', (_name, example) => {
    const text = expectText(encodeClientEvent(example));
    expect(JSON.parse(text)).toStrictEqual(example);
    const decoded = expectOk(decodeClientEvent(text));
    expect(decoded.event).toStrictEqual(example);
    expect(decoded.wireType).toBe(example.type);
    expect(decoded.dialect).toBe('ga');
    expect(expectText(encodeClientEvent(decoded.event))).toBe(text);
  });

  it.each(clientEvents)('%s: decodes from bytes and from the object itself', (_name, example) => {
    expect(expectOk(decodeClientEvent(utf8.encode(JSON.stringify(example)))).event).toStrictEqual(example);
    expect(expectOk(decodeClientEvent(example)).event).toBe(example);
  });
});

describe('decode errors', () => {
  it('rejects text that is not JSON', () => {
    for (const text of ['not json', '{"type":"session.created"', '']) {
      expect(expectError(decodeServerEvent(text))).toMatchObject({ code: 'invalid_json', path: '' });
      expect(expectError(decodeClientEvent(text))).toMatchObject({ code: 'invalid_json', path: '' });
    }
  });

  it('rejects bytes that are not UTF-8', () => {
    const bytes = new Uint8Array([0x7b, 0x22, 0x74, 0xff, 0xfe, 0x7d]);
    const error = expectError(decodeServerEvent(bytes));
    expect(error).toMatchObject({ code: 'invalid_json', path: '' });
    expect(error.message).toContain('UTF-8');
    expect(expectError(decodeServerEvent(bytes.buffer))).toMatchObject({ code: 'invalid_json', path: '' });
  });

  it.each(['[{"type":"session.created"}]', '42', 'null', '"session.created"', 'true'])('rejects JSON that is not an object: %s', (text) => {
    const error = expectError(decodeServerEvent(text));
    expect(error).toMatchObject({ code: 'invalid_event', path: '' });
    expect(error.message).toContain('not a JSON object');
  });

  it.each([[[{ type: 'session.created' }]], [42], [null], [undefined], [true]])('rejects a non-object input: %j', (input) => {
    expect(expectError(decodeServerEvent(input as never))).toMatchObject({ code: 'invalid_input', path: '' });
    expect(expectError(decodeClientEvent(input as never))).toMatchObject({ code: 'invalid_input', path: '' });
  });

  it.each(['{}', '{"type":5}', '{"type":null}', '{"event_id":"event_1","Type":"error"}'])('rejects an event without a string type: %s', (text) => {
    const error = expectError(decodeServerEvent(text));
    expect(error).toMatchObject({ code: 'missing_type', path: '/type' });
    expect(error.eventType).toBeUndefined();
  });

  it('points at a wrong enum value deep inside', () => {
    const event = structuredClone(serverEventExamples['response.done']) as unknown as { response: { status: string } };
    event.response.status = 'bogus';
    const error = expectError(decodeServerEvent(JSON.stringify(event)));
    expect(error).toMatchObject({ code: 'invalid_event', path: '/response/status', eventType: 'response.done' });
    expect(error.message).toContain('"completed"');
  });

  it('points at the discriminator of a wrong item kind', () => {
    const event = structuredClone(serverEventExamples['response.done']) as unknown as { response: { output: Array<{ type: string }> } };
    event.response.output[1]!.type = 'function_calls';
    const error = expectError(decodeServerEvent(event));
    expect(error).toMatchObject({ code: 'invalid_event', path: '/response/output/1/type' });
    expect(error.message).toContain('"function_calls"');

    const added = { ...serverEventExamples['response.output_item.added'], item: { type: 'bogus', id: 'item_1' } };
    expect(expectError(decodeServerEvent(added)).path).toMatch(/\/item\/type$/);
  });

  it('points at a missing required field', () => {
    const { item_id: _, ...speechStarted } = serverEventExamples['input_audio_buffer.speech_started'];
    const error = expectError(decodeServerEvent(speechStarted));
    expect(error).toMatchObject({ code: 'invalid_event', path: '/item_id', eventType: 'input_audio_buffer.speech_started' });
    expect(error.message).toContain('required');

    const { arguments: __, ...call } = serverEventExamples['response.output_item.done'].item as unknown as Record<string, unknown>;
    const itemDone = { ...serverEventExamples['response.output_item.done'], item: call };
    expect(expectError(decodeServerEvent(itemDone))).toMatchObject({ code: 'invalid_event', path: '/item/arguments' });
  });

  it('rejects an unknown field in a client event (strict), with the path of that field', () => {
    const beta = { ...clientEventExamples['session.update'], session: { ...clientEventExamples['session.update'].session, voice: 'alloy' } };
    expect(expectError(decodeClientEvent(beta))).toMatchObject({ code: 'invalid_event', path: '/session/voice', eventType: 'session.update' });

    const typo = { type: 'conversation.item.create', item: { type: 'function_call_output', callId: 'call_1', call_id: 'call_1', output: '' } };
    const error = expectError(decodeClientEvent(JSON.stringify(typo)));
    expect(error).toMatchObject({ code: 'invalid_event', path: '/item/callId' });
    expect(error.message).toContain('not a known field');

    expect(expectError(decodeClientEvent({ type: 'response.cancel', reason: 'user hung up' }))).toMatchObject({ path: '/reason' });
  });

  it('rejects an unknown client event type', () => {
    const error = expectError(decodeClientEvent('{"type":"transcription_session.update","session":{}}'));
    expect(error).toMatchObject({ code: 'unknown_event', path: '/type', eventType: 'transcription_session.update' });
    expect(error.message).toContain('response.create');
  });
});

describe('unknown server events and fields', () => {
  it('decodes an unknown type to proxy.unknown_event, keeping the raw event', () => {
    const raw = { type: 'conversation.item.input_audio_transcription.summary', event_id: 'event_1', item_id: 'item_1', summary: { words: 5 } };
    const result = expectOk(decodeServerEvent(JSON.stringify(raw)));
    expect(result.event).toStrictEqual({ type: 'proxy.unknown_event', raw });
    expect(result.wireType).toBe(raw.type);
    expect(result.dialect).toBe('ga');
  });

  it('accepts and keeps unknown fields on known server events', () => {
    const delta = { ...serverEventExamples['response.output_audio_transcript.delta'], obfuscation: 'LBqdwEYsSEHbF' };
    const result = expectOk(decodeServerEvent(JSON.stringify(delta)));
    expect(result.event).toStrictEqual(delta);
    expect(result.event).toHaveProperty('obfuscation', 'LBqdwEYsSEHbF');

    const created = serverEventExamples['session.created'];
    const nested = { ...created, session: { ...created.session, client_secret: null, audio: { ...created.session.audio, future: { x: 1 } } } };
    expect(expectOk(decodeServerEvent(JSON.stringify(nested))).event).toStrictEqual(nested);
  });
});

describe('inputs are left alone', () => {
  it('does not mutate a (deep-frozen) object input, GA or beta', () => {
    const inputs = [
      ...serverEvents.map(([, event]) => structuredClone(event)),
      { ...structuredClone(serverEventExamples['response.output_audio.delta']), type: 'response.audio.delta' },
      { type: 'conversation.item.created', item: { id: 'item_1', type: 'message', role: 'assistant', content: [{ type: 'audio', transcript: 'Hi' }] } },
      { type: 'session.created', session: { id: 'sess_1', modalities: ['text', 'audio'], voice: 'alloy', input_audio_format: 'pcm16', turn_detection: null } },
    ];
    for (const input of inputs) {
      const before = structuredClone(input);
      deepFreeze(input);
      expectOk(decodeServerEvent(input));
      expect(input).toStrictEqual(before);
    }
  });

  it('decodes a 200 KB audio delta and keeps the payload string as is', () => {
    const bytes = new Uint8Array(150_000).map((_, i) => (i * 31) & 0xff);
    const delta = Buffer.from(bytes).toString('base64');
    expect(delta.length).toBe(200_000);
    const event = { ...serverEventExamples['response.output_audio.delta'], delta };
    for (const input of [JSON.stringify(event), utf8.encode(JSON.stringify(event)), event]) {
      const result = expectOk(decodeServerEvent(input));
      expect(result.event.type).toBe('response.output_audio.delta');
      expect((result.event as typeof event).delta).toBe(delta);
    }
  });

  // JSON.parse is the one pass over an audio payload; a pattern, a length or a format on these
  // fields would make ajv walk every base64 character a second time.
  it.each([
    ['ResponseOutputAudioDeltaEvent', 'delta'],
    ['InputAudioBufferAppendEvent', 'audio'],
  ])('validates %s.%s by type alone, so ajv never scans the base64 payload', (definition, field) => {
    const schema = realtimeSchema.definitions[definition as keyof typeof realtimeSchema.definitions] as { properties: Record<string, object> };
    expect(schema.properties[field]).toEqual({ type: 'string', ...pick(schema.properties[field], ['description']) });
  });
});

describe('encode errors', () => {
  it.each([[42], [null], ['{"type":"response.create"}'], [[{ type: 'response.create' }]], [new Uint8Array(2)]])('rejects a non-object: %j', (input) => {
    const error = expectError(encodeClientEvent(input as never));
    expect(error).toMatchObject({ code: 'invalid_input', path: '' });
    expect(error.message).toContain('not an object');
  });

  it('rejects an event without a string type', () => {
    expect(expectError(encodeClientEvent({ item_id: 'item_1' } as never))).toMatchObject({ code: 'missing_type', path: '/type' });
  });

  it('rejects an unknown type and an unknown field, and never produces text', () => {
    expect(expectError(encodeClientEvent({ type: 'session.create' } as never))).toMatchObject({ code: 'unknown_event', path: '/type' });
    const event = { ...clientEventExamples['input_audio_buffer.append'], format: 'pcm16' };
    expect(expectError(encodeClientEvent(event as never))).toMatchObject({ code: 'invalid_event', path: '/format' });
  });

  it('says so when a value is undefined', () => {
    const session = { type: 'realtime', tools: [undefined] };
    const error = expectError(encodeClientEvent({ type: 'session.update', session } as never));
    expect(error).toMatchObject({ code: 'invalid_event', path: '/session/tools/0' });
    expect(error.message).toContain('undefined');

    const content = [{ type: 'input_text', text: 'Hi' }, undefined];
    const item = { type: 'message', role: 'user', content };
    const second = expectError(encodeClientEvent({ type: 'conversation.item.create', item } as never));
    expect(second).toMatchObject({ path: '/item/content/1' });
    expect(second.message).toContain('undefined');
  });

  it('treats a required field set to undefined as missing, and leaves out an optional one', () => {
    expect(expectError(encodeClientEvent({ type: 'conversation.item.delete', item_id: undefined } as never))).toMatchObject({ path: '/item_id' });
    // JSON has no undefined: an optional field that is undefined is simply not sent.
    expect(expectText(encodeClientEvent({ type: 'response.cancel', response_id: undefined }))).toBe('{"type":"response.cancel"}');
  });

  it('reports data JSON cannot represent as not_serializable', () => {
    const withBigInt = { type: 'function', name: 'pay', parameters: { type: 'object', maximum: 10n ** 20n } };
    const error = expectError(encodeClientEvent({ type: 'session.update', session: { type: 'realtime', tools: [withBigInt] } } as never));
    expect(error).toMatchObject({ code: 'not_serializable', path: '', eventType: 'session.update' });
    expect(error.message).toContain('BigInt');

    const cyclic: Record<string, unknown> = { type: 'object' };
    cyclic.self = cyclic;
    const tools = [{ type: 'function', name: 'loop', parameters: cyclic }];
    expect(expectError(encodeClientEvent({ type: 'session.update', session: { type: 'realtime', tools } } as never))).toMatchObject({
      code: 'not_serializable',
    });
  });

  it('refuses values JSON would write differently from what was validated (a Date, a Map, toJSON), pointing at them', () => {
    // { response: Date } passes the schema (an object with no fields) but leaves as a string.
    const dated = expectError(encodeClientEvent({ type: 'response.create', response: new Date(0) } as never));
    expect(dated).toMatchObject({ code: 'not_serializable', path: '/response', eventType: 'response.create' });
    expect(dated.message).toMatch(/^Failed to encode the client event "response\.create": \/response is not plain data \(Date with toJSON\).*Please pass plain JSON data/);
    // A Map passes as an empty object and would leave as {}: its entries lost.
    const mapped = expectError(encodeClientEvent({ type: 'response.create', response: { metadata: new Map([['topic', 'weather']]) } } as never));
    expect(mapped).toMatchObject({ code: 'not_serializable', path: '/response/metadata' });
    // A toJSON the strict schema cannot see (not enumerable) would send another item than the one checked.
    const item = Object.defineProperty({ type: 'function_call_output', call_id: 'call_1', output: 'ok' }, 'toJSON', { value: () => ({ type: 'message' }) });
    expect(expectError(encodeClientEvent({ type: 'conversation.item.create', item } as never))).toMatchObject({ code: 'not_serializable', path: '/item' });
    // Plain data without a prototype is plain.
    const bare = Object.assign(Object.create(null) as object, { type: 'response.cancel' });
    expect(expectText(encodeClientEvent(bare as never))).toBe('{"type":"response.cancel"}');
  });

  it('rejects a BigInt where the schema wants a string, as a schema violation', () => {
    expect(expectError(encodeClientEvent({ type: 'input_audio_buffer.append', audio: 1n } as never))).toMatchObject({ code: 'invalid_event', path: '/audio' });
  });
});

describe('client items as the API takes them', () => {
  // What a client sends in conversation.item.create, checked against openai-node's request types
  // (src/resources/realtime/realtime.ts, `ConversationItem`) and the docs' examples: the server
  // assigns an item's id, so a client item may leave it out.
  const withoutId: Array<[string, Record<string, unknown>]> = [
    ['a system message', { type: 'message', role: 'system', content: [{ type: 'input_text', text: 'Be brief.' }] }],
    ['a user message', { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Hi' }] }],
    ['an assistant message', { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello.' }] }],
    ['a function call', { type: 'function_call', call_id: 'call_1', name: 'lookup', arguments: '{}' }],
    ['a function call output', { type: 'function_call_output', call_id: 'call_1', output: 'sunny' }],
    ['an MCP tool listing', { type: 'mcp_list_tools', server_label: 'docs', tools: [{ name: 'search', input_schema: { type: 'object' } }] }],
    // The docs' example and agents-js `sendMcpResponse` send it without an id (openai-node's type declares one).
    ['an MCP approval response', { type: 'mcp_approval_response', approval_request_id: 'mcpr_1', approve: true, reason: 'user confirmed' }],
  ];

  it.each(withoutId)('encodes %s without an id', (_name, item) => {
    const text = expectText(encodeClientEvent({ type: 'conversation.item.create', previous_item_id: 'mcpr_1', item } as never));
    expect(JSON.parse(text)).toEqual({ type: 'conversation.item.create', previous_item_id: 'mcpr_1', item });
  });

  it('still wants the id of items only the server makes (an MCP call, an MCP approval request), as openai-node does', () => {
    const call = { type: 'mcp_call', server_label: 'docs', name: 'search', arguments: '{}' };
    const request = { type: 'mcp_approval_request', server_label: 'docs', name: 'search', arguments: '{}' };
    for (const item of [call, request]) {
      expect(expectError(encodeClientEvent({ type: 'conversation.item.create', item } as never))).toMatchObject({ code: 'invalid_event', path: '/item/id' });
    }
  });
});
