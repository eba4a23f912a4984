/** The conversation as text, partials updating in place. */
import { useMemo } from 'react';
import { useFeedEvents } from '../model/feed';
import { deriveTranscript } from '../model/transcript';

export function Transcript() {
  const events = useFeedEvents();
  const entries = useMemo(() => deriveTranscript(events), [events]);
  return (
    <section className="panel" data-testid="transcript" aria-labelledby="transcript-title">
      <div className="panel-title">
        <h2 id="transcript-title">Transcript</h2>
      </div>
      <ol className="transcript" aria-live="polite">
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
