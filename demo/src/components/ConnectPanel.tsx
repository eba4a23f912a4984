/**
 * Where a session starts: serve's access token (when the address did not bring it), the OpenAI key
 * (when serve takes it from the browser), the MCP servers with an optional header each, listing
 * their tools, and connecting. Secret fields are uncontrolled: their values never become DOM
 * attributes.
 */
import { useEffect, useRef } from 'react';
import type { ServeInfo } from '../api/serveTypes';
import { emptyRow, type McpRow } from '../model/connectRequest';
import type { SessionState } from '../session/useCall';

export interface ConnectPanelProps {
  info: ServeInfo | undefined;
  needsToken: boolean;
  onToken: (token: string) => void;
  /** The key's value lives in the parent's ref: typing never re-renders with it. */
  openAiKey: { current: string };
  remember: boolean;
  onRemember: (on: boolean) => void;
  rows: McpRow[];
  onRows: (rows: McpRow[]) => void;
  listing: boolean;
  onListTools: () => void;
  state: SessionState;
  onConnect: () => void;
  onHangUp: () => void;
}

export function ConnectPanel(props: ConnectPanelProps) {
  const { info, rows, state } = props;
  const keyInput = useRef<HTMLInputElement>(null);
  useEffect(() => {
    // A remembered key is put back as the field's value property (never as an attribute).
    if (keyInput.current && props.openAiKey.current && keyInput.current.value === '') keyInput.current.value = props.openAiKey.current;
  }, [props.openAiKey]);
  const update = (index: number, patch: Partial<McpRow>) => props.onRows(rows.map((row, at) => (at === index ? { ...row, ...patch } : row)));
  const busy = state === 'connecting' || state === 'live';
  const keyHint = info?.offline ? 'not needed offline: the simulator plays the model' : info?.openAiKey === 'server' ? 'not needed: serve has its own key' : 'sent only to serve, which mints a short-lived key';

  return (
    <form
      className="panel"
      data-testid="connect-form"
      aria-labelledby="connect-title"
      onSubmit={(event) => {
        event.preventDefault();
        if (busy) props.onHangUp();
        else props.onConnect();
      }}
    >
      <div className="panel-title">
        <h2 id="connect-title">Connect</h2>
        {info?.offline && (
          <span className="badge badge-offline" data-testid="offline-badge" title="serve talks to the local simulator: no OpenAI key is needed">
            Offline
          </span>
        )}
        <output className={`state state-${state}`} data-testid="session-state" aria-label="Session state">
          {state}
        </output>
      </div>

      {props.needsToken && (
        <label className="field">
          <span>serve access token</span>
          <input
            type="password"
            autoComplete="off"
            spellCheck={false}
            data-testid="access-token"
            aria-describedby="token-help"
            // Taken when complete (leaving the field, or Enter), not at every keystroke: each change asks serve again.
            onBlur={(event) => props.onToken(event.currentTarget.value.trim())}
            onKeyDown={(event) => {
              if (event.key !== 'Enter') return;
              event.preventDefault();
              props.onToken(event.currentTarget.value.trim());
            }}
          />
          <small id="token-help" className="muted">
            serve prints the page's address with the token (…#token=); opening that address fills this in.
          </small>
        </label>
      )}

      <label className="field">
        <span>
          OpenAI API key <small>({keyHint})</small>
        </span>
        <input
          ref={keyInput}
          data-testid="openai-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder={info?.offline || info?.openAiKey === 'server' ? 'optional' : 'sk-…'}
          onChange={(event) => (props.openAiKey.current = event.currentTarget.value.trim())}
        />
      </label>
      <label className="check">
        <input type="checkbox" data-testid="remember-tab" checked={props.remember} onChange={(event) => props.onRemember(event.currentTarget.checked)} />
        <span>Remember the key and token for this tab</span>
      </label>

      <fieldset className="rows">
        <legend>MCP servers</legend>
        {info && !info.runtimeMcp && <p className="note warn">This serve uses its configured MCP servers only: leave the URLs empty (start serve with --allow-runtime-mcp to add your own).</p>}
        {info && info.runtimeMcp && <p className="muted small-print">Leave empty to use the servers serve is configured with.</p>}
        {rows.map((row, index) => (
          <div className="mcp-row" key={index}>
            <label className="field grow">
              <span>URL {index + 1}</span>
              <input data-testid={`mcp-url-${index}`} type="url" inputMode="url" spellCheck={false} placeholder="http://127.0.0.1:3001/mcp" value={row.url} onChange={(event) => update(index, { url: event.currentTarget.value })} />
            </label>
            <label className="field small">
              <span>Label</span>
              <input data-testid={`mcp-label-${index}`} spellCheck={false} placeholder={`mcp${index + 1}`} value={row.label} onChange={(event) => update(index, { label: event.currentTarget.value })} />
            </label>
            <label className="field small">
              <span>Header name</span>
              <input data-testid={`mcp-header-name-${index}`} spellCheck={false} placeholder="Authorization" value={row.headerName} onChange={(event) => update(index, { headerName: event.currentTarget.value })} />
            </label>
            <HeaderValue index={index} cleared={row.headerValue === ''} onValue={(value) => update(index, { headerValue: value })} />
            <button type="button" className="icon" aria-label={`Remove MCP server ${index + 1}`} disabled={rows.length === 1} onClick={() => props.onRows(rows.filter((_, at) => at !== index))}>
              ✕
            </button>
          </div>
        ))}
        <button type="button" data-testid="mcp-add" disabled={rows.length >= 8} onClick={() => props.onRows([...rows, emptyRow()])}>
          Add a server
        </button>
      </fieldset>

      <div className="actions">
        <button type="button" data-testid="list-tools" disabled={props.listing} onClick={props.onListTools}>
          {props.listing ? 'Listing…' : 'List tools'}
        </button>
        <button type="submit" data-testid="connect" className="primary">
          {state === 'connecting' ? 'Cancel' : state === 'live' ? 'Hang up' : 'Connect'}
        </button>
      </div>
    </form>
  );
}

/** A header value is a secret: an uncontrolled field, emptied when its row is cleared. */
function HeaderValue({ index, cleared, onValue }: { index: number; cleared: boolean; onValue: (value: string) => void }) {
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => {
    if (cleared && input.current) input.current.value = '';
  }, [cleared]);
  return (
    <label className="field small">
      <span>Header value</span>
      <input ref={input} data-testid={`mcp-header-value-${index}`} type="password" autoComplete="off" spellCheck={false} onChange={(event) => onValue(event.currentTarget.value)} />
    </label>
  );
}
