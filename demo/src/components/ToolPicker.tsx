/** The tools of the listing as a checklist: what the session may call. Changes mid-session update the session. */
import { useId, useState } from 'react';
import type { ToolsReport } from '../api/serveTypes';
import { searchTools } from '../model/toolSelection';

export interface ToolPickerProps {
  report: ToolsReport | undefined;
  picked: ReadonlySet<string>;
  onPicked: (picked: Set<string>) => void;
  /** A session is live: a change is sent to it. */
  live: boolean;
}

export function ToolPicker({ report, picked, onPicked, live }: ToolPickerProps) {
  const [query, setQuery] = useState('');
  const id = useId();
  const tools = report?.tools ?? [];
  const shown = searchTools(tools, query);
  const toggle = (name: string, on: boolean) => {
    const next = new Set(picked);
    if (on) next.add(name);
    else next.delete(name);
    onPicked(next);
  };

  return (
    <section className="panel" data-testid="tool-picker" aria-labelledby={`${id}-title`}>
      <div className="panel-title">
        <h2 id={`${id}-title`}>Tools</h2>
        <span className="muted">
          {picked.size} of {tools.length} picked{live ? ' · changes update the session' : ''}
        </span>
      </div>
      {report === undefined ? (
        <p className="muted">List the tools of your MCP servers to pick the ones the model may call.</p>
      ) : (
        <>
          <div className="actions">
            <label className="field grow tool-search">
              <span className="visually-hidden">Search the tools</span>
              <input data-testid="tools-search" type="search" placeholder="Search tools" value={query} onChange={(event) => setQuery(event.currentTarget.value)} />
            </label>
            <button type="button" data-testid="tools-select-all" onClick={() => onPicked(new Set([...picked, ...shown.map((tool) => tool.functionName)]))}>
              Select all
            </button>
            <button type="button" data-testid="tools-select-none" onClick={() => onPicked(new Set([...picked].filter((name) => !shown.some((tool) => tool.functionName === name))))}>
              Select none
            </button>
          </div>
          <ul className="tool-list">
            {shown.map((tool) => {
              const optionId = `${id}-${tool.functionName}`;
              return (
                <li key={tool.functionName} className="tool-option">
                  <input id={optionId} type="checkbox" data-testid={`tool-option-${tool.functionName}`} checked={picked.has(tool.functionName)} onChange={(event) => toggle(tool.functionName, event.currentTarget.checked)} aria-describedby={`${optionId}-about`} />
                  <label htmlFor={optionId}>
                    <span className="tool-name">{tool.functionName}</span>
                    {tool.annotations?.readOnlyHint && <span className="badge badge-readonly">read-only</span>}
                    {tool.annotations?.destructiveHint && <span className="badge badge-destructive">destructive</span>}
                    <span className="muted"> · {tool.server}</span>
                  </label>
                  <div id={`${optionId}-about`} className="tool-about">
                    {tool.description && <p>{tool.description.length > 300 ? `${tool.description.slice(0, 300)}…` : tool.description}</p>}
                    {tool.renamed && <p className="note">Renamed: {tool.renamed}</p>}
                    {tool.leftOut && <p className="note warn">{tool.leftOut}</p>}
                  </div>
                </li>
              );
            })}
            {shown.length === 0 && <li className="muted">No tool matches “{query}”.</li>}
          </ul>
        </>
      )}
    </section>
  );
}
