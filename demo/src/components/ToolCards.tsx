/** A card per tool call: arguments as they stream, status, approval, output and the latency bar. */
import { useContext, useMemo, useState } from 'react';
import { FeedContext, useFeedEvents } from '../model/feed';
import { deriveToolCards, type ToolCard } from '../model/toolCards';
import type { LatencySegment } from '../model/toolOutput';

export function ToolCards({ onError }: { onError: (error: unknown) => void }) {
  const events = useFeedEvents();
  const cards = useMemo(() => deriveToolCards(events), [events]);
  return (
    <section className="panel" aria-labelledby="cards-title">
      <div className="panel-title">
        <h2 id="cards-title">Tool calls</h2>
        <span className="muted">{cards.length}</span>
      </div>
      <div className="cards">
        {cards.map((card) => (
          <ToolCardView key={card.callId} card={card} onError={onError} />
        ))}
        {cards.length === 0 && <p className="muted">Each tool call the model makes shows here.</p>}
      </div>
    </section>
  );
}

const STATUS_TEXT: Record<ToolCard['status'], string> = {
  streaming: 'arguments streaming',
  'waiting-approval': 'waiting for approval',
  running: 'running',
  done: 'done',
  error: 'failed',
  denied: 'denied',
};

function ToolCardView({ card, onError }: { card: ToolCard; onError: (error: unknown) => void }) {
  const args = useMemo(() => prettyArguments(card.arguments, card.argumentsComplete), [card.arguments, card.argumentsComplete]);
  return (
    <article className={`card card-${card.status}`} data-testid="tool-card" data-call-id={card.callId} data-status={card.status} aria-label={`Tool call ${card.functionName}: ${STATUS_TEXT[card.status]}`}>
      <header>
        <span className="tool-name">{card.functionName || '(unnamed)'}</span>
        <span className={`status status-${card.status}`}>{STATUS_TEXT[card.status]}</span>
      </header>
      <pre className="arguments" data-testid="tool-card-arguments" aria-label="Arguments">
        {args || ' '}
      </pre>
      {card.progress && card.status === 'running' && (
        <p className="muted" role="status">
          Progress: {card.progress}
        </p>
      )}
      {card.approval?.open && card.status === 'waiting-approval' && <ApprovalButtons approvalId={card.approval.approvalId} destructive={card.approval.destructive} onError={onError} />}
      {card.approval && !card.approval.open && card.approval.decision && (
        <p className="muted">
          Approval: {card.approval.decision}
          {card.approval.reason ? ` (“${card.approval.reason}”)` : ''}
        </p>
      )}
      {card.output && (
        <div className="output" data-testid="tool-card-output">
          {card.output.error && (
            <p className="output-error" role="status">
              {card.output.error}
            </p>
          )}
          {card.output.texts.map((text, index) => (
            <pre key={index} className="output-text">
              {text}
            </pre>
          ))}
          {card.output.structured && <pre className="output-json">{card.output.structured}</pre>}
          {card.output.images.length > 0 && (
            <div className="thumbnails">
              {card.output.images.map((image, index) => (
                <img key={index} src={`data:${image.mimeType};base64,${image.data}`} alt={`Image ${index + 1} from ${card.functionName}`} className="thumbnail" />
              ))}
            </div>
          )}
        </div>
      )}
      {card.latency.length > 0 && <LatencyBar segments={card.latency} />}
    </article>
  );
}

function ApprovalButtons({ approvalId, destructive, onError }: { approvalId: string; destructive: boolean; onError: (error: unknown) => void }) {
  const client = useContext(FeedContext)?.client ?? undefined;
  const [reason, setReason] = useState('');
  const [sending, setSending] = useState(false);
  const answer = (approved: boolean, options: { reason?: string; sticky?: boolean } = {}) => {
    if (client === undefined) return;
    setSending(true);
    client
      .answerApproval(approvalId, { approved, ...options })
      .catch(onError)
      .finally(() => setSending(false));
  };
  return (
    <div className="approval" role="group" aria-label="Approve this call">
      <p>{destructive ? 'This tool may change or delete data. Run it?' : 'This call needs your approval.'}</p>
      <div className="actions">
        <button type="button" className="primary" data-testid="approve" disabled={sending} onClick={() => answer(true)}>
          Approve
        </button>
        <button type="button" data-testid="always-allow" disabled={sending} onClick={() => answer(true, { sticky: true })}>
          Always allow this tool
        </button>
      </div>
      <div className="actions">
        <label className="field grow">
          <span className="visually-hidden">Reason for denying</span>
          <input data-testid="deny-reason" placeholder="Reason (told to the model)" maxLength={500} value={reason} onChange={(event) => setReason(event.currentTarget.value)} />
        </label>
        <button type="button" className="danger" data-testid="deny" disabled={sending} onClick={() => answer(false, reason.trim() ? { reason: reason.trim() } : {})}>
          Deny
        </button>
      </div>
    </div>
  );
}

function LatencyBar({ segments }: { segments: LatencySegment[] }) {
  const total = segments.reduce((sum, segment) => sum + segment.ms, 0);
  const summary = segments.map((segment) => `${segment.label}: ${segment.ms} ms`).join('; ');
  return (
    <figure className="latency" data-testid="latency-bar" aria-label={`Latency: ${summary}`}>
      <div className="latency-track" aria-hidden="true">
        {segments.map((segment, index) => (
          <span key={segment.label} className={`latency-segment segment-${index}`} style={{ flexGrow: Math.max(segment.ms, total / 50 || 1) }} title={`${segment.label}: ${segment.ms} ms`} />
        ))}
      </div>
      <figcaption>
        {segments.map((segment, index) => (
          <span key={segment.label} className="latency-legend">
            <span className={`swatch segment-${index}`} aria-hidden="true" />
            {segment.label} {segment.ms} ms
          </span>
        ))}
      </figcaption>
    </figure>
  );
}

function prettyArguments(text: string, complete: boolean): string {
  if (!complete) return text;
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}
