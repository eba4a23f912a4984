/**
 * Replay a recording through the same UI: one of the repository's recordings or a local file,
 * checked in the page first (the first bad line is named and nothing is sent), then played by serve
 * at 1×, 4× or a record at a time. The replay's session id goes to `onReplay`, so the page follows
 * its events like a live session's.
 */
import { useContext, useRef, useState } from 'react';
import { FeedContext } from '../model/feed';
import { bundledRecordings } from './bundledRecordings';
import { checkRecording, MAX_RECORDING_BYTES } from './checkRecording';
import { rememberLoadedRecording } from './loadedRecordings';

export interface ReplayPanelProps {
  onReplay: (sessionId: string) => void;
}

type Speed = '1' | '4' | 'step';
interface Loaded {
  name: string;
  text: string;
  records: number;
  description?: string;
}
interface Running {
  sessionId: string;
  step: boolean;
  played: number;
  done: boolean;
}

function messageOf(error: unknown, fallback: string): string {
  return error instanceof Error && error.message ? error.message : fallback;
}

export function ReplayPanel({ onReplay }: ReplayPanelProps) {
  const context = useContext(FeedContext);
  const client = context?.client;
  const [choice, setChoice] = useState('');
  const [loaded, setLoaded] = useState<Loaded | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [busy, setBusy] = useState(false);
  const [speed, setSpeed] = useState<Speed>('1');
  const [running, setRunning] = useState<Running | undefined>(undefined);
  // The latest choice wins: a slow load of an earlier one is dropped.
  const loadToken = useRef(0);

  const take = async (name: string, read: () => Promise<string>) => {
    const token = ++loadToken.current;
    setLoaded(undefined);
    setError(undefined);
    setBusy(true);
    try {
      const text = await read();
      if (token !== loadToken.current) return;
      const checked = checkRecording(text);
      if (!checked.ok) setError(checked.message);
      else setLoaded({ name, text, records: checked.records, ...(checked.description === undefined ? {} : { description: checked.description }) });
    } catch (caught) {
      if (token === loadToken.current) setError(messageOf(caught, `Failed to read ${name}. Please choose the file again.`));
    } finally {
      if (token === loadToken.current) setBusy(false);
    }
  };

  const chooseBundled = (name: string) => {
    setChoice(name);
    const recording = bundledRecordings.find((candidate) => candidate.name === name);
    if (!recording) {
      loadToken.current++;
      setLoaded(undefined);
      return;
    }
    void take(`${recording.name}.jsonl`, recording.load);
  };

  const chooseFile = (file: File | undefined) => {
    if (!file) return;
    setChoice('');
    if (file.size > MAX_RECORDING_BYTES) {
      loadToken.current++;
      setLoaded(undefined);
      setError(`Failed to read ${file.name}: it is larger than the 4 MiB serve accepts. Please replay it with the CLI (realtime-mcp-proxy replay).`);
      return;
    }
    void take(file.name, () => file.text());
  };

  const start = async () => {
    if (!loaded || !client) return;
    setError(undefined);
    setBusy(true);
    try {
      // One replay at a time: a new start ends the one before (it may have finished already).
      if (running) await client.stopReplay(running.sessionId).catch(() => undefined);
      setRunning(undefined);
      const step = speed === 'step';
      const { sessionId } = await client.startReplay(loaded.text, step ? { mode: 'step', speed: 1 } : { mode: 'realtime', speed: Number(speed) });
      rememberLoadedRecording(sessionId, loaded.text);
      setRunning({ sessionId, step, played: 0, done: false });
      onReplay(sessionId);
    } catch (caught) {
      setError(messageOf(caught, 'Failed to start the replay. Please try again.'));
    } finally {
      setBusy(false);
    }
  };

  const stepOnce = async () => {
    if (!running || !client) return;
    setBusy(true);
    try {
      const { played, done } = await client.stepReplay(running.sessionId);
      setRunning((current) => (current && current.sessionId === running.sessionId ? { ...current, played, done } : current));
    } catch (caught) {
      setError(messageOf(caught, 'Failed to play the next record. Please start the replay again.'));
    } finally {
      setBusy(false);
    }
  };

  const stop = async () => {
    if (!running || !client) return;
    const { sessionId } = running;
    setRunning(undefined);
    try {
      await client.stopReplay(sessionId);
    } catch (caught) {
      setError(messageOf(caught, 'Failed to stop the replay. Please reload the page.'));
    }
  };

  return (
    <section className="replay-panel" aria-label="Replay a recording">
      <h2>Replay</h2>
      <div className="replay-panel__sources">
        <label>
          Recording{' '}
          <select data-testid="replay-recording-select" value={choice} onChange={(event) => chooseBundled(event.target.value)}>
            <option value="">choose a bundled recording…</option>
            {bundledRecordings.map((recording) => (
              <option key={recording.name} value={recording.name}>
                {recording.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          or a file{' '}
          <input
            data-testid="replay-file"
            type="file"
            accept=".jsonl,application/x-ndjson,application/jsonl"
            onChange={(event) => {
              chooseFile(event.target.files?.[0]);
              event.target.value = '';
            }}
          />
        </label>
      </div>
      {busy && !loaded && !error && <p aria-live="polite">Loading…</p>}
      {loaded && (
        <p className="replay-panel__loaded" data-testid="replay-loaded" aria-live="polite">
          {loaded.name}: {loaded.records} records{loaded.description ? `. ${loaded.description}` : ''}
        </p>
      )}
      {error && (
        <p role="alert" className="replay-panel__error" data-testid="replay-error">
          {error}
        </p>
      )}
      <div className="replay-panel__controls">
        <label>
          Speed{' '}
          <select
            data-testid="replay-speed"
            value={speed}
            onChange={(event) => setSpeed(event.target.value === '4' || event.target.value === 'step' ? event.target.value : '1')}
          >
            <option value="1">1×</option>
            <option value="4">4×</option>
            <option value="step">step by step</option>
          </select>
        </label>
        <button type="button" data-testid="replay-start" disabled={!loaded || !client || busy} onClick={() => void start()}>
          Start replay
        </button>
        <button type="button" data-testid="replay-step" disabled={!running?.step || running.done || busy} onClick={() => void stepOnce()}>
          Next record
        </button>
        <button type="button" data-testid="replay-stop" disabled={!running} onClick={() => void stop()}>
          Stop
        </button>
      </div>
      {!client && <p className="replay-panel__hint">Replays run on serve: open the page from serve (with its token) to start one.</p>}
      {running && (
        <p aria-live="polite" data-testid="replay-status">
          Replaying {running.sessionId}
          {running.step ? `: ${running.played} records played${running.done ? ', done' : ''}` : ''}
        </p>
      )}
    </section>
  );
}
