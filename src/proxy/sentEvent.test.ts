import { describe, expect, it } from 'vitest';
import type { ClientEvent } from '../protocol/generated/types.js';
import { Redactor } from '../redaction/index.js';
import { sentEventForHost } from './sentEvent.js';

describe('sentEventForHost', () => {
  it("replaces an audio append's base64 by its size", () => {
    const event: ClientEvent = { type: 'input_audio_buffer.append', audio: btoa('\0'.repeat(4800)) };
    expect(sentEventForHost(event, new Redactor())).toEqual({ type: 'input_audio_buffer.append', audio: '<4800 bytes elided>' });
    expect(event.audio).toHaveLength(6400);
  });

  it("redacts the session's secrets and key shapes, and hands out a copy", () => {
    const tools = [{ type: 'function' as const, name: 'f', parameters: { type: 'object' } }];
    const event: ClientEvent = { type: 'session.update', session: { type: 'realtime', instructions: 'the pin is hunter2-pin', tools } };
    const seen = sentEventForHost(event, new Redactor(['hunter2-pin']));
    expect(JSON.stringify(seen)).not.toContain('hunter2-pin');
    expect((seen as { session: { instructions: string } }).session.instructions).toMatch(/^the pin is .+$/);
    (seen as { session: { tools: unknown[] } }).session.tools.push('changed by a listener');
    expect(tools).toHaveLength(1);
  });
});
