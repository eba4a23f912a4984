/** The conversation as text, partials updating in place. */
import { useEffect, useMemo, useRef } from 'react';
import { useFeedEvents } from '../model/feed';
import { deriveTranscript } from '../model/transcript';

export function Transcript() {
  const events = useFeedEvents();
  const entries = useMemo(() => deriveTranscript(events), [events]);
  const list = useRef<HTMLOListElement>(null);
  const following = useRef(true);
  const last = entries.at(-1);
  // Follow the conversation unless the reader scrolled up to read.
  useEffect(() => {
    if (following.current && list.current) list.current.scrollTop = list.current.scrollHeight;
  }, [entries.length, last?.text]);
  return (
    <section className="panel" data-testid="transcript" aria-labelledby="transcript-title">
      <div className="panel-title">
        <h2 id="transcript-title">Transcript</h2>
      </div>
      <ol
        ref={list}
        className="transcript"
        aria-live="polite"
        onScroll={(event) => {
          const element = event.currentTarget;
          following.current = element.scrollHeight - element.scrollTop - element.clientHeight < 40;
        }}
      >
        {entries.map((entry) => (
          <li key={entry.itemId} className={`turn turn-${entry.role}`} data-testid={`transcript-${entry.role}`} data-final={entry.final}>
            <span className="who">{entry.role === 'user' ? 'You' : 'Model'}</span>
            <span className="said">{entry.text}</span>
          </li>
        ))}
        {entries.length === 0 && <li className="muted">What you and the model say appears here.</li>}
      </ol>
    </section>
  );
}
