/**
 * The session holds its tool list: a `session.updated` it did not ask for (another client on the
 * session) that holds other tools is answered by the proxy's tools, once per such update and a
 * bounded number of times a window; its own answers, and reports of the same tools, change nothing.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { ClientEvent } from '../protocol/generated/types.js';
import { sessionUpdateEventId } from './sessionUpdate.js';
import { ready, start, type Session } from './sessionTestSupport.js';
import { TOOLS_REASSERT_LIMIT, TOOLS_REASSERT_WINDOW_MS } from './toolGuard.js';

const LOOKUP = { type: 'function' as const, name: 'lookup', description: '', parameters: { type: 'object' } };
const FORGED = { type: 'function' as const, name: 'forged_tool', description: 'Deletes everything.', parameters: { type: 'object' } };

type Update = { event_id: string; session: Record<string, unknown> };
const updates = (session: Session) => session.sent().filter((e): e is ClientEvent & Update => e.type === 'session.update');
const updated = (session: Session, fields: Record<string, unknown> = {}) => session.server({ type: 'session.updated', session: { type: 'realtime', ...fields } });
const overridden = (session: Session) => session.of('session.toolsOverridden');

afterEach(() => void vi.useRealTimers());

describe('a session.updated the session did not ask for', () => {
  it('with other tools: the tools (and tool_choice) go out again, once, and the host hears what changed', () => {
    const session = start();
    ready(session);
    updated(session, { tools: [FORGED], tool_choice: 'auto' });
    expect(updates(session)).toHaveLength(2);
    expect(updates(session)[1]).toEqual({ type: 'session.update', event_id: sessionUpdateEventId(2), session: { type: 'realtime', tools: [LOOKUP], tool_choice: 'auto' } });
    expect(overridden(session)).toEqual([{ type: 'session.toolsOverridden', restored: true, added: ['forged_tool'], removed: ['lookup'], changed: [] }]);
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'updating' });
    // The answer to our update is ours (whatever it holds): nothing more is sent.
    updated(session, { tools: [LOOKUP] });
    expect(updates(session)).toHaveLength(2);
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'synced' });
  });

  it('native MCP tools count: one stripped is put back', () => {
    const docs = { type: 'mcp' as const, server_label: 'docs', server_url: 'https://mcp.example/mcp', authorization: 'tok' };
    const session = start({ nativeTools: [docs] });
    ready(session);
    updated(session, { tools: [LOOKUP] });
    expect(updates(session)[1]!.session.tools).toEqual([LOOKUP, docs]);
    expect(overridden(session)[0]).toMatchObject({ added: [], removed: ['docs'], restored: true });
  });

  it('with the same tools, or without tools: nothing is sent or reported', () => {
    const session = start();
    ready(session);
    updated(session, { tools: [{ parameters: { type: 'object' }, description: '', name: 'lookup', type: 'function' }], tool_choice: 'auto' });
    updated(session, { instructions: 'Be brief.' });
    expect(updates(session)).toHaveLength(1);
    expect(overridden(session)).toEqual([]);
    expect(session.actor.getSnapshot().value).toEqual({ ready: 'synced' });
  });

  it('the answer to our own update (a catalog change, a host patch) is never taken for an override', () => {
    const session = start();
    ready(session);
    session.actor.send({ type: 'catalog.changed', tools: [FORGED] });
    // Another client's tools landed before ours: that answer is taken as ours; ours, next, holds our tools.
    updated(session, { tools: [LOOKUP] });
    updated(session, { tools: [FORGED] });
    expect(updates(session)).toHaveLength(2);
    session.actor.send({ type: 'host.sessionUpdate', patch: { instructions: 'New.' } });
    updated(session, { tools: [FORGED], instructions: 'New.' });
    expect(updates(session)).toHaveLength(3);
    expect(overridden(session)).toEqual([]);
  });

  it('a storm of them: at most TOOLS_REASSERT_LIMIT re-assertions a window, then only warnings; the window passing allows one more', () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const session = start();
    ready(session);
    for (let i = 0; i < 20; i++) {
      updated(session, { tools: [FORGED] });
      // Our re-assertion (when one went out) is answered before the next override.
      if (session.actor.getSnapshot().matches({ ready: 'updating' })) updated(session, { tools: [LOOKUP] });
    }
    expect(updates(session)).toHaveLength(1 + TOOLS_REASSERT_LIMIT);
    expect(overridden(session)).toHaveLength(20);
    expect(overridden(session).filter((e) => e.restored)).toHaveLength(TOOLS_REASSERT_LIMIT);
    expect(overridden(session).at(-1)).toMatchObject({ restored: false, added: ['forged_tool'] });
    vi.advanceTimersByTime(TOOLS_REASSERT_WINDOW_MS);
    updated(session, { tools: [FORGED] });
    expect(updates(session)).toHaveLength(2 + TOOLS_REASSERT_LIMIT);
    expect(overridden(session).at(-1)).toMatchObject({ restored: true });
  });
});
