import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { createFeed, FeedContext } from '../model/feed';
import { EventConsole, MAX_RENDERED } from './EventConsole';

function render(count: number): string {
  const feed = createFeed();
  for (let id = 1; id <= count; id++) {
    const type = id % 3 === 0 ? 'realtime.sent' : id % 3 === 1 ? 'realtime.event' : 'toolCall.progress';
    feed.push({ id, type, at: id, data: { type: `t${id}`, secretLooking: '<script>alert(1)</script>' }, origin: 'serve' });
  }
  return renderToStaticMarkup(createElement(FeedContext.Provider, { value: { feed, client: null, sessionId: 'sess_1' } }, createElement(EventConsole)));
}

describe('EventConsole (server-rendered)', () => {
  it('renders one row per event with its direction and type, and the controls', () => {
    const html = render(3);
    expect([...html.matchAll(/data-testid="console-row" data-direction="(\w+)" data-type="([^"]+)"/g)].map((match) => `${match[1]} ${match[2]}`)).toEqual([
      'server t1',
      'proxy toolCall.progress',
      'client t3',
    ]);
    for (const id of ['event-console', 'console-filter', 'console-pause', 'console-clear', 'console-export']) expect(html).toContain(`data-testid="${id}"`);
    expect(html).not.toContain('<script>');
  });

  it('renders only the last rows of a long session', () => {
    const html = render(MAX_RENDERED + 500);
    expect(html.match(/data-testid="console-row"/g)).toHaveLength(MAX_RENDERED);
    expect(html).toContain(`data-type="t${MAX_RENDERED + 500}"`);
    expect(html).not.toContain('data-type="t1"');
    expect(html).toContain('last 2,000 of 2,500 rows');
  });
});
