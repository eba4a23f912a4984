import { describe, expect, it } from 'vitest';
import { extraServerEvents, serverEventExamples } from '../../test/fixtures/realtimeEvents.js';
import { decodeClientEvent, decodeServerEvent, type DecodeResult } from './codec.js';
import { betaEventNames } from './dialects.js';
import type { ServerEvent } from './generated/types.js';

function expectOk<Event>(result: DecodeResult<Event>): Extract<DecodeResult<Event>, { ok: true }> {
  if (!result.ok) expect.fail(`expected ok, got ${JSON.stringify(result.error)}`);
  return result;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

const instructions = 'You are Sarah, a friendly agent for a bill negotiation service.';
const transferTool = {
  type: 'function',
  name: 'transferToSupervisor',
  description: 'Transfer the call to a supervisor.',
  parameters: { type: 'object', properties: { reason: { type: 'string' } }, required: ['reason'] },
};
const serverVad = { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 200, create_response: true, interrupt_response: true };

/** A beta-era flat session as session.created reported it (gpt-4o-realtime-preview, May 2025). */
const betaSession = {
  id: 'sess_BaPsbBBHFu1fj56wDcEm4',
  object: 'realtime.session',
  expires_at: 1748020790,
  input_audio_noise_reduction: null,
  turn_detection: serverVad,
  input_audio_format: 'pcm16',
  input_audio_transcription: { model: 'whisper-1', language: 'en', prompt: null },
  client_secret: null,
  include: null,
  model: 'gpt-4o-realtime-preview-2024-12-17',
  modalities: ['text', 'audio'],
  instructions,
  voice: 'alloy',
  output_audio_format: 'g711_ulaw',
  tool_choice: 'auto',
  temperature: 0.8,
  max_response_output_tokens: 'inf',
  speed: 1,
  tools: [transferTool],
};

/** The same session in GA shape; beta-only fields the GA schema does not know (temperature, client_secret) stay as they are. */
const upgradedSession = {
  type: 'realtime',
  id: 'sess_BaPsbBBHFu1fj56wDcEm4',
  object: 'realtime.session',
  expires_at: 1748020790,
  client_secret: null,
  include: null,
  model: 'gpt-4o-realtime-preview-2024-12-17',
  instructions,
  tool_choice: 'auto',
  temperature: 0.8,
  tools: [transferTool],
  audio: {
    input: {
      format: { type: 'audio/pcm', rate: 24000 },
      transcription: { model: 'whisper-1', language: 'en', prompt: null },
      noise_reduction: null,
      turn_detection: serverVad,
    },
    output: { format: { type: 'audio/pcmu' }, voice: 'alloy', speed: 1 },
  },
  output_modalities: ['audio'],
  max_output_tokens: 'inf',
};

const betaAssistantMessage = {
  id: 'item_BaPtfkDxcLqkuAEy3lQ8n',
  object: 'realtime.item',
  type: 'message',
  status: 'completed',
  role: 'assistant',
  content: [{ type: 'audio', transcript: "I'm going to transfer you to my supervisor, Marco." }],
};
const betaFunctionCall = {
  id: 'item_BaPtftRlw1rZrZ4ThXEvX',
  object: 'realtime.item',
  type: 'function_call',
  status: 'completed',
  name: 'transferToSupervisor',
  call_id: 'call_kmnUtkOoDYWLgJHP',
  arguments: '{"reason":"customer requested a supervisor"}',
};
const gaAssistantMessage = { ...betaAssistantMessage, content: [{ type: 'output_audio', transcript: betaAssistantMessage.content[0]!.transcript }] };

describe('beta event names', () => {
  it('covers the seven renamed events', () => {
    expect([...betaEventNames.keys()].sort()).toEqual([
      'conversation.item.created',
      'response.audio.delta',
      'response.audio.done',
      'response.audio_transcript.delta',
      'response.audio_transcript.done',
      'response.text.delta',
      'response.text.done',
    ]);
  });

  it.each([...betaEventNames])('%s decodes as %s, keeping the wire name', (beta, ga) => {
    const example = serverEventExamples[ga as ServerEvent['type']];
    const wire = { ...structuredClone(example), type: beta };
    const result = expectOk(decodeServerEvent(JSON.stringify(wire)));
    expect(result.event).toStrictEqual(example);
    expect(result.wireType).toBe(beta);
    expect(result.dialect).toBe('beta');
  });

  it('upgrades the item of conversation.item.created too', () => {
    const wire = { type: 'conversation.item.created', event_id: 'event_BaPtfL6g6Ah0Ep9E1s6mR', previous_item_id: null, item: betaAssistantMessage };
    const result = expectOk(decodeServerEvent(wire));
    expect(result.event).toStrictEqual({ ...wire, type: 'conversation.item.added', item: gaAssistantMessage });
    expect(result).toMatchObject({ wireType: 'conversation.item.created', dialect: 'beta' });
  });
});

describe('beta shapes', () => {
  it.each(['session.created', 'session.updated'])('upgrades the flat session of %s to the GA shape', (type) => {
    const wire = { type, event_id: 'event_BaPscSYvxCycprzeWLPt2', session: betaSession };
    const result = expectOk(decodeServerEvent(JSON.stringify(wire)));
    expect(result.event).toStrictEqual({ type, event_id: wire.event_id, session: upgradedSession });
    expect(result).toMatchObject({ wireType: type, dialect: 'beta' });
  });

  it('keeps text-only modalities and maps every beta audio format', () => {
    for (const [beta, ga] of [
      ['pcm16', { type: 'audio/pcm', rate: 24000 }],
      ['g711_ulaw', { type: 'audio/pcmu' }],
      ['g711_alaw', { type: 'audio/pcma' }],
    ] as const) {
      const wire = { type: 'session.updated', session: { modalities: ['text'], input_audio_format: beta, output_audio_format: beta } };
      const { event } = expectOk(decodeServerEvent(wire));
      expect(event).toMatchObject({ session: { type: 'realtime', output_modalities: ['text'], audio: { input: { format: ga }, output: { format: ga } } } });
    }
  });

  it('shares what it does not change and never mutates the input', () => {
    const wire = deepFreeze({ type: 'session.created', session: structuredClone(betaSession) });
    const { event } = expectOk(decodeServerEvent(wire));
    expect(wire.session).toHaveProperty('modalities');
    const session = (event as unknown as { session: Record<string, unknown> }).session;
    expect(session.tools).toBe(wire.session.tools);
    expect((session.audio as { input: { turn_detection: unknown } }).input.turn_detection).toBe(wire.session.turn_detection);
  });

  it.each([
    ['audio', 'output_audio'],
    ['text', 'output_text'],
  ])('renames assistant content %s to %s in items', (beta, ga) => {
    const item = { ...betaAssistantMessage, content: [{ type: beta, transcript: 'Hello!', text: 'Hello!' }] };
    const wire = deepFreeze({ type: 'response.output_item.done', event_id: 'event_BaPtg1', response_id: 'resp_BaPtf', output_index: 0, item });
    const result = expectOk(decodeServerEvent(wire));
    expect(result.event).toStrictEqual({ ...wire, item: { ...item, content: [{ type: ga, transcript: 'Hello!', text: 'Hello!' }] } });
    expect(result).toMatchObject({ wireType: 'response.output_item.done', dialect: 'beta' });
  });

  it('leaves user content alone (input_text / input_audio are the same in both dialects)', () => {
    const item = { id: 'item_1', type: 'message', status: 'completed', role: 'user', content: [{ type: 'input_audio', transcript: null }] };
    const wire = { type: 'conversation.item.created', item };
    const result = expectOk(decodeServerEvent(wire));
    expect((result.event as { item: unknown }).item).toBe(item);
    expect(result.dialect).toBe('beta');
  });

  it('upgrades a beta response object (modalities, voice, output_audio_format, content types)', () => {
    const response = {
      object: 'realtime.response',
      id: 'resp_BaPtfH8YqKkZ1dJPk0iXQ',
      status: 'completed',
      status_details: null,
      output: [betaAssistantMessage, betaFunctionCall],
      conversation_id: 'conv_BaPsbWnTAwvuV3gn5ZZVf',
      modalities: ['text', 'audio'],
      voice: 'alloy',
      output_audio_format: 'pcm16',
      temperature: 0.8,
      max_output_tokens: 'inf',
      usage: { total_tokens: 2350, input_tokens: 2129, output_tokens: 221 },
      metadata: null,
    };
    const wire = deepFreeze({ type: 'response.done', event_id: 'event_BaPtgR6nUTPyb0MKCCY3u', response });
    const result = expectOk(decodeServerEvent(wire));
    const { modalities: _m, voice: _v, output_audio_format: _f, ...rest } = response;
    expect(result.event).toStrictEqual({
      ...wire,
      response: {
        ...rest,
        output: [gaAssistantMessage, betaFunctionCall],
        output_modalities: ['audio'],
        audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' } },
      },
    });
    expect(result).toMatchObject({ wireType: 'response.done', dialect: 'beta' });
    expect((result.event as { response: { output: unknown[] } }).response.output[1]).toBe(betaFunctionCall);
  });

  it('upgrades response.created with an empty output', () => {
    const response = { object: 'realtime.response', id: 'resp_1', status: 'in_progress', output: [], modalities: ['text'], usage: null };
    const result = expectOk(decodeServerEvent({ type: 'response.created', response }));
    const upgraded = (result.event as unknown as { response: Record<string, unknown> }).response;
    expect(upgraded).toMatchObject({ object: 'realtime.response', id: 'resp_1', status: 'in_progress', output: [], usage: null, output_modalities: ['text'] });
    expect(upgraded).not.toHaveProperty('modalities');
    expect(result.dialect).toBe('beta');
  });
});

describe('GA events', () => {
  it.each([...Object.values(serverEventExamples), ...extraServerEvents].map((e): [string, ServerEvent] => [e.type, e]))(
    '%s passes through untouched, as the same object',
    (_type, example) => {
      const result = expectOk(decodeServerEvent(example));
      expect(result.event).toBe(example);
      expect(result.dialect).toBe('ga');
      expect(result.wireType).toBe(example.type);
    },
  );
});

describe('beta client events (acceptBeta)', () => {
  /** The initial session.update of a beta WebRTC app. */
  const betaSessionUpdate = {
    type: 'session.update',
    session: {
      modalities: ['text', 'audio'],
      instructions,
      voice: 'sage',
      input_audio_format: 'pcm16',
      output_audio_format: 'g711_ulaw',
      input_audio_transcription: { model: 'whisper-1' },
      turn_detection: { type: 'server_vad', threshold: 0.5, prefix_padding_ms: 300, silence_duration_ms: 500, create_response: true },
      max_response_output_tokens: 4096,
      tools: [transferTool],
      tool_choice: 'auto',
    },
  };

  it('upgrades a beta session.update to GA', () => {
    const wire = deepFreeze(structuredClone(betaSessionUpdate));
    const result = expectOk(decodeClientEvent(JSON.stringify(wire), { acceptBeta: true }));
    expect(result.event).toStrictEqual({
      type: 'session.update',
      session: {
        type: 'realtime',
        instructions,
        tools: [transferTool],
        tool_choice: 'auto',
        output_modalities: ['audio'],
        max_output_tokens: 4096,
        audio: {
          input: { format: { type: 'audio/pcm', rate: 24000 }, transcription: { model: 'whisper-1' }, turn_detection: betaSessionUpdate.session.turn_detection },
          output: { format: { type: 'audio/pcmu' }, voice: 'sage' },
        },
      },
    });
    expect(result).toMatchObject({ wireType: 'session.update', dialect: 'beta' });
    expect(expectOk(decodeClientEvent(wire, { acceptBeta: true })).event).toStrictEqual(result.event);
  });

  it('rejects the beta session.update without the option, at /session/type', () => {
    const result = decodeClientEvent(JSON.stringify(betaSessionUpdate));
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatchObject({ code: 'invalid_event', path: '/session/type', eventType: 'session.update' });
  });

  it('upgrades beta response.create options and assistant text items', () => {
    const create = { type: 'response.create', response: { modalities: ['text'], voice: 'alloy', output_audio_format: 'pcm16', instructions: 'Summarize.' } };
    expect(expectOk(decodeClientEvent(create, { acceptBeta: true })).event).toStrictEqual({
      type: 'response.create',
      response: { instructions: 'Summarize.', output_modalities: ['text'], audio: { output: { format: { type: 'audio/pcm', rate: 24000 }, voice: 'alloy' } } },
    });

    const item = { type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Hello!' }] } };
    const upgraded = expectOk(decodeClientEvent(item, { acceptBeta: true }));
    expect(upgraded.event).toStrictEqual({ type: 'conversation.item.create', item: { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Hello!' }] } });
    expect(upgraded.dialect).toBe('beta');
    const strict = decodeClientEvent(item);
    expect(strict.ok ? '' : strict.error.path).toBe('/item/content/0/type');
  });

  it('passes GA client events through untouched with the option on', () => {
    const event = { type: 'response.create', response: { output_modalities: ['audio'], conversation: 'none' } };
    const result = expectOk(decodeClientEvent(event, { acceptBeta: true }));
    expect(result.event).toBe(event);
    expect(result.dialect).toBe('ga');
  });
});
