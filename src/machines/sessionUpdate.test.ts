import { describe, expect, it } from 'vitest';
import { buildPatchUpdate, buildSessionUpdate, buildToolsUpdate, mergeSessionPatch } from './sessionUpdate.js';

const tool = { type: 'function' as const, name: 'lookup', description: '', parameters: { type: 'object' } };

describe('mergeSessionPatch', () => {
  it('replaces fields, but keeps the audio.input / audio.output fields a later patch does not name', () => {
    const merged = mergeSessionPatch(
      { instructions: 'A.', audio: { input: { turn_detection: { type: 'server_vad', threshold: 0.9 } }, output: { voice: 'marin', speed: 1 } } },
      { instructions: 'B.', audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'low' } }, output: { speed: 1.3 } } },
    );
    // turn_detection is replaced whole: a semantic_vad must not inherit the server_vad threshold.
    expect(merged).toEqual({ instructions: 'B.', audio: { input: { turn_detection: { type: 'semantic_vad', eagerness: 'low' } }, output: { voice: 'marin', speed: 1.3 } } });
  });

  it('null clears (turn detection off), and an earlier patch that is absent is no patch', () => {
    expect(mergeSessionPatch(undefined, { audio: { input: { turn_detection: null } } })).toEqual({ audio: { input: { turn_detection: null } } });
    expect(mergeSessionPatch({ audio: { input: { turn_detection: { type: 'server_vad' } } } }, { audio: { input: { turn_detection: null } } })).toEqual({ audio: { input: { turn_detection: null } } });
  });

  it('keeps a __proto__ key as data', () => {
    const later = JSON.parse('{"tracing":{"metadata":{"__proto__":{"x":1}}},"__proto__":{"polluted":true}}');
    const merged = mergeSessionPatch({ instructions: 'A.' }, later) as Record<string, unknown>;
    expect(Object.getPrototypeOf(merged)).toBe(Object.prototype);
    expect(Object.hasOwn(merged, '__proto__')).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });
});

describe('the session.updates by owner', () => {
  it('the first carries the host configuration with its patch over it, the tools and tool_choice', () => {
    const update = buildSessionUpdate({ tools: [tool], instructions: 'A.', session: { output_modalities: ['text'] }, patch: { instructions: 'B.' } }, 'id1');
    expect(update).toEqual({ type: 'session.update', event_id: 'id1', session: { output_modalities: ['text'], instructions: 'B.', type: 'realtime', tools: [tool], tool_choice: 'auto' } });
  });

  it('a catalog change carries only the tools; a patch only its fields', () => {
    expect(buildToolsUpdate({ tools: [tool] }, 'id2')).toEqual({ type: 'session.update', event_id: 'id2', session: { type: 'realtime', tools: [tool], tool_choice: 'auto' } });
    expect(buildPatchUpdate({ instructions: 'C.' }, 'id3')).toEqual({ type: 'session.update', event_id: 'id3', session: { instructions: 'C.', type: 'realtime' } });
  });
});
