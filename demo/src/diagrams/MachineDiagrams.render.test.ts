import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { createFeed, FeedContext, type FeedEvent } from '../model/feed';
import { MachineDiagrams } from './MachineDiagrams';

function render(events: Array<Omit<FeedEvent, 'id' | 'origin'>>): string {
  const feed = createFeed();
  events.forEach((event, index) => feed.push({ ...event, id: index + 1, origin: 'serve' }));
  return renderToStaticMarkup(createElement(FeedContext.Provider, { value: { feed, client: null, sessionId: 'sess_1' } }, createElement(MachineDiagrams)));
}

const snapshot = (actorId: string, machine: string, state: unknown, extra: Record<string, unknown> = {}) => ({
  type: 'inspect',
  at: 1_000,
  data: { kind: 'snapshot', actorId, machine, eventType: 'e', state, status: 'active', ...extra },
});

/** The `data-state` of every state drawn with `data-active="true"` in the svg of `testId` for `actorId`. */
function activeIn(html: string, testId: string, actorId: string): string[] {
  const svg = new RegExp(`<svg data-testid="${testId}" data-actor-id="${actorId}"[\\s\\S]*?</svg>`).exec(html)?.[0] ?? '';
  return [...svg.matchAll(/data-testid="diagram-state" data-state="([^"]+)" data-active="true"/g)].map((match) => match[1]!);
}

describe('MachineDiagrams (server-rendered)', () => {
  it('draws the machines before any actor runs, nothing active', () => {
    const html = render([]);
    for (const machine of ['session', 'response', 'responseTurn']) expect(html).toContain(`data-testid="diagram-${machine}" data-actor-id=""`);
    expect(html).not.toContain('data-active="true"');
    expect(html).toContain('No tool call yet.');
  });

  it('highlights each live actor’s state, with a text cue, and shows a running call with its approval', () => {
    const html = render([
      snapshot('x:0', 'session', { ready: 'updating' }),
      { type: 'toolCall.started', at: 1_001, data: { callId: 'call_1', functionName: 'echo', actorId: 'call-1' } },
      snapshot('call-1', 'toolCall', 'awaitingApproval', { parentId: 'x:0' }),
      snapshot('approval', 'approval', 'pending', { parentId: 'call-1' }),
    ]);
    expect(activeIn(html, 'diagram-session', 'x:0')).toEqual(['ready', 'ready.updating']);
    expect(activeIn(html, 'diagram-toolCall', 'call-1')).toEqual(['awaitingApproval']);
    expect(activeIn(html, 'diagram-approval', 'approval')).toEqual(['pending']);
    expect(html).toContain('▶ updating (now)');
    expect(html).toContain('Tool call echo (call_1)');
  });

  it('keeps the newest finished call open at its final state and folds older ones into the list', () => {
    const html = render([
      snapshot('call-1', 'toolCall', 'executed', { parentId: 'x:0', status: 'done' }),
      { ...snapshot('call-2', 'toolCall', 'denied', { parentId: 'x:0', status: 'done' }), at: 2_000 },
    ]);
    expect(activeIn(html, 'diagram-toolCall', 'call-2')).toEqual(['denied']);
    expect(html).not.toContain('data-actor-id="call-1"');
    expect(html).toMatch(/aria-expanded="false">▸ Tool call call-1/);
  });
});
