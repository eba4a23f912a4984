/**
 * The live event console: client ▲ / server ▼ / proxy rows with time, type and the event's JSON on
 * demand; delta runs folded; filter by type and text; pause (events are kept, a badge counts them),
 * clear (this view only: the feed stays whole for the other panels), export as a recording file.
 * Only the last MAX_RENDERED rows are in the DOM, so a long session stays smooth.
 */
import { memo, useCallback, useContext, useDeferredValue, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { FeedContext, useFeedEvents, type FeedEvent } from '../model/feed';
import { loadedRecordingOf } from '../replay/loadedRecordings';
import { consoleRows, recordingFileName, relativeTime, seenTypes, summaryOf, type ConsoleRow } from './consoleRows';
import './console.css';

export const MAX_RENDERED = 2_000;
/** Events of a folded run listed when it is opened. */
const MAX_RUN_LISTED = 200;
const ARROWS = { client: '▲', server: '▼', proxy: '◆' } as const;
const DIRECTION_NAMES = { client: 'client to server', server: 'server to client', proxy: 'proxy' } as const;

function prettyJson(value: unknown): string {
  try {
    return JSON.stringify(value, null, 2) ?? String(value);
  } catch {
    return '(this event cannot be shown as JSON)';
  }
}

function compactJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return '(this event cannot be shown as JSON)';
  }
}

const ConsoleRowItem = memo(
  ConsoleRowView,
  (before, after) =>
    // Rows are derived afresh on every event: a row is unchanged while its first event, size and openness are.
    before.row.key === after.row.key &&
    before.row.events.length === after.row.events.length &&
    before.row.type === after.row.type &&
    before.open === after.open &&
    before.origin === after.origin &&
    before.onToggle === after.onToggle,
);

function ConsoleRowView({ row, origin, open, onToggle }: { row: ConsoleRow; origin: number; open: boolean; onToggle: (key: string) => void }) {
  const count = row.events.length;
  return (
    <li data-testid="console-row" data-direction={row.direction} data-type={row.type} className={`console-row console-row--${row.direction}`}>
      <button type="button" className="console-row__summary" aria-expanded={open} onClick={() => onToggle(row.key)}>
        <span className="console-row__arrow" aria-label={DIRECTION_NAMES[row.direction]}>
          {ARROWS[row.direction]}
        </span>
        <span className="console-row__time">{relativeTime(row.at, origin)}</span>
        <span className="console-row__type">{row.type}</span>
        {count === 1 && row.events[0] && <span className="console-row__summary-text">{summaryOf(row.events[0])}</span>}
        {count > 1 && <span className="console-row__count">×{count}</span>}
      </button>
      {open &&
        (count === 1 ? (
          <pre className="console-row__json">{prettyJson(row.events[0]?.data)}</pre>
        ) : (
          <ol className="console-row__run">
            {row.events.slice(0, MAX_RUN_LISTED).map((event) => (
              <li key={event.id}>
                <code>{relativeTime(event.at, origin)}</code> <code>{compactJson(event.data)}</code>
              </li>
            ))}
            {count > MAX_RUN_LISTED && <li>… and {count - MAX_RUN_LISTED} more</li>}
          </ol>
        ))}
    </li>
  );
}

export function EventConsole() {
  const context = useContext(FeedContext);
  const client = context?.client;
  const sessionId = context?.sessionId;
  const live = useFeedEvents();
  const [frozen, setFrozen] = useState<readonly FeedEvent[] | undefined>(undefined);
  const [clearedAfter, setClearedAfter] = useState<number | undefined>(undefined);
  const [typeFilter, setTypeFilter] = useState('');
  const [textFilter, setTextFilter] = useState('');
  const [showInspect, setShowInspect] = useState(true);
  const [expanded, setExpanded] = useState<ReadonlySet<string>>(new Set());
  const [exportState, setExportState] = useState<{ busy: boolean; error?: string }>({ busy: false });
  const listRef = useRef<HTMLOListElement>(null);
  const stickToBottom = useRef(true);

  // A feed emptied for a new session starts over: a clear marker from the last one would hide it.
  useEffect(() => {
    if (live.length === 0) setClearedAfter(undefined);
  }, [live.length]);

  const source = useDeferredValue(frozen ?? live);
  const visible = useMemo(() => (clearedAfter === undefined ? source : source.filter((event) => event.id > clearedAfter)), [source, clearedAfter]);
  const text = useDeferredValue(textFilter);
  const rows = useMemo(() => consoleRows(visible, { type: typeFilter, text, hideInspect: !showInspect }), [visible, typeFilter, text, showInspect]);
  const types = useMemo(() => seenTypes(visible), [visible]);
  const rendered = rows.length > MAX_RENDERED ? rows.slice(-MAX_RENDERED) : rows;
  const origin = live[0]?.at ?? source[0]?.at ?? 0;
  const newWhilePaused = frozen ? Math.max(0, live.length - frozen.length) : 0;

  useLayoutEffect(() => {
    const list = listRef.current;
    if (list && stickToBottom.current) list.scrollTop = list.scrollHeight;
  }, [rendered]);

  const toggle = useCallback(
    (key: string) =>
      setExpanded((current) => {
        const next = new Set(current);
        if (next.has(key)) next.delete(key);
        else next.add(key);
        return next;
      }),
    [],
  );

  const exportRecording = async () => {
    if (!sessionId) return;
    setExportState({ busy: true });
    try {
      const text = loadedRecordingOf(sessionId) ?? (client ? await client.recording(sessionId) : undefined);
      if (text === undefined) throw new Error('Failed to export the recording: not connected to serve. Please connect first.');
      const url = URL.createObjectURL(new Blob([text], { type: 'application/x-ndjson' }));
      const link = document.createElement('a');
      link.href = url;
      link.download = recordingFileName(sessionId);
      link.click();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setExportState({ busy: false });
    } catch (error) {
      setExportState({ busy: false, error: error instanceof Error ? error.message : 'Failed to export the recording. Please try again.' });
    }
  };

  return (
    <section data-testid="event-console" className="event-console" aria-label="Event console">
      <div className="event-console__toolbar" role="toolbar" aria-label="Event console controls">
        <label>
          Type{' '}
          <select data-testid="console-filter-type" value={typeFilter} onChange={(event) => setTypeFilter(event.target.value)}>
            <option value="">all types</option>
            {types.map((type) => (
              <option key={type} value={type}>
                {type}
              </option>
            ))}
          </select>
        </label>
        <label>
          Filter{' '}
          <input
            data-testid="console-filter"
            type="search"
            placeholder="text in type or JSON"
            value={textFilter}
            onChange={(event) => setTextFilter(event.target.value)}
          />
        </label>
        <label>
          <input data-testid="console-show-inspect" type="checkbox" checked={showInspect} onChange={(event) => setShowInspect(event.target.checked)} /> machine
          records
        </label>
        <button
          type="button"
          data-testid="console-pause"
          aria-pressed={frozen !== undefined}
          onClick={() => setFrozen((current) => (current ? undefined : live))}
        >
          {frozen ? 'Resume' : 'Pause'}
          {newWhilePaused > 0 && (
            <span className="event-console__badge" data-testid="console-new-count">
              {' '}
              {newWhilePaused} new
            </span>
          )}
        </button>
        <button
          type="button"
          data-testid="console-clear"
          onClick={() => {
            setClearedAfter((frozen ?? live).at(-1)?.id ?? clearedAfter);
            setExpanded(new Set());
          }}
        >
          Clear
        </button>
        <button
          type="button"
          data-testid="console-export"
          disabled={!sessionId || exportState.busy}
          onClick={() => void exportRecording()}
          title="Download this session as a recording file (.jsonl)"
        >
          {exportState.busy ? 'Exporting…' : 'Export'}
        </button>
        <span className="event-console__count" aria-live="polite">
          {rows.length === rendered.length ? `${rows.length} rows` : `last ${rendered.length.toLocaleString('en')} of ${rows.length.toLocaleString('en')} rows`}
        </span>
      </div>
      {exportState.error && (
        <p role="alert" className="event-console__error">
          {exportState.error}
        </p>
      )}
      <ol
        ref={listRef}
        className="event-console__rows"
        aria-label="Events"
        onScroll={(event) => {
          const list = event.currentTarget;
          stickToBottom.current = list.scrollHeight - list.scrollTop - list.clientHeight < 24;
        }}
      >
        {rendered.map((row) => (
          <ConsoleRowItem key={row.key} row={row} origin={origin} open={expanded.has(row.key)} onToggle={toggle} />
        ))}
      </ol>
    </section>
  );
}
