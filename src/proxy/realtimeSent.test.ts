/**
 * `realtime.sent`: every client event the proxy put on its transport, whichever part sent it (the
 * session machine or the embedding API), in order, redacted and without audio. The Realtime side
 * is scripted (a memory transport); the MCP side a real mock server on 127.0.0.1.
 */
import { describe, expect, it } from 'vitest';
import { oneCall, startMemorySession, useMemorySessions, waitFor, type Sent } from '../../test/faults/memorySession.js';
import type { ClientEvent } from '../protocol/generated/types.js';
import { Redactor } from '../redaction/index.js';

useMemorySessions();

const SECRET = 'tok-hunter2';

describe('realtime.sent', () => {
  it('a session with a tool call reports session.update, the function_call_output and response.create, as sent', async () => {
    const redactor = new Redactor([SECRET]);
    const session = await startMemorySession({
      tools: [{ name: 'lookup', description: 'Looks a word up.', result: { content: [{ type: 'text', text: `the token is ${SECRET}` }] } }],
      proxy: { redactor },
    });
    session.deliver(...oneCall('resp_1', 'call_1'));
    await waitFor(() => session.creates().length === 1, 'the response.create after the output');
    const reported = session.eventsOf('realtime.sent') as Sent[];
    expect(reported.map((event) => event.type)).toEqual(['session.update', 'conversation.item.create', 'response.create']);
    // Exactly what went on the wire, but for the secret (the tool output is redacted before it is sent, too).
    expect(reported.length).toBe(session.sent().length);
    expect(reported[1]!.item).toMatchObject({ type: 'function_call_output', call_id: 'call_1' });
    expect(JSON.stringify(reported)).not.toContain(SECRET);
  });

  it('what the host sends is reported too: its secrets redacted (the wire keeps them), its audio elided', async () => {
    const session = await startMemorySession({ proxy: { redactor: new Redactor([SECRET]) } });
    const heard: ClientEvent[] = [];
    session.proxy.on('realtime.sent', (event) => heard.push(event));
    expect(session.proxy.sendText(`my token is ${SECRET}`, { respond: false }).ok).toBe(true);
    expect(session.proxy.sendAudio(new Int16Array(2400)).ok).toBe(true);
    expect(heard).toEqual([
      { type: 'conversation.item.create', item: { type: 'message', role: 'user', content: [{ type: 'input_text', text: expect.not.stringContaining(SECRET) as string }] } },
      { type: 'input_audio_buffer.append', audio: '<4800 bytes elided>' },
    ]);
    expect(session.transport.sent.at(-2)).toContain(SECRET);
  });

  it('a listener that throws is an error event; sending goes on', async () => {
    const session = await startMemorySession();
    session.proxy.on('realtime.sent', () => {
      throw new Error('listener broke');
    });
    const heard: string[] = [];
    session.proxy.on('realtime.sent', (event) => heard.push(event.type));
    const errors: string[] = [];
    session.proxy.on('error', (error) => errors.push(`${error.code}: ${error.message}`));
    session.deliver(...oneCall('resp_1', 'call_1'));
    await waitFor(() => session.creates().length === 1, 'the response.create after the output');
    expect(session.outputs()).toHaveLength(1);
    expect(heard).toEqual(['conversation.item.create', 'response.create']);
    expect(errors).toEqual([
      'listener_error: Failed to run a "realtime.sent" listener: it threw listener broke. Please catch errors inside your listener.',
      'listener_error: Failed to run a "realtime.sent" listener: it threw listener broke. Please catch errors inside your listener.',
    ]);
    expect(session.uncaught).toEqual([]);
  });

  it('a send the transport refused is not reported', async () => {
    const session = await startMemorySession();
    const heard: string[] = [];
    session.proxy.on('realtime.sent', (event) => heard.push(event.type));
    await session.proxy.close();
    expect(session.proxy.sendText('too late').ok).toBe(false);
    expect(heard).toEqual([]);
  });
});
