/**
 * The demo page: connect (serve's token, the OpenAI key, MCP servers), pick tools, talk, and watch
 * the transcript, the tool calls, the events and the machines. Every view derives from one feed.
 */
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Redactor } from 'realtime-mcp-proxy';
import { rememberSecrets } from './api/pageSecrets';
import { createServeClient, ServeRequestError } from './api/serveClient';
import type { ServeInfo, ToolsReport } from './api/serveTypes';
import { ConnectPanel } from './components/ConnectPanel';
import { DoctorPanel } from './components/DoctorPanel';
import { PanelBoundary } from './components/PanelBoundary';
import { ErrorBanner } from './components/ErrorBanner';
import { TalkPanel } from './components/TalkPanel';
import { ThemeToggle } from './components/ThemeToggle';
import { ToolCards } from './components/ToolCards';
import { ToolPicker } from './components/ToolPicker';
import { Transcript } from './components/Transcript';
import { EventConsole } from './console/EventConsole';
import { MachineDiagrams } from './diagrams/MachineDiagrams';
import { emptyRow, rowsToServers, type McpRow } from './model/connectRequest';
import { diagnoseFailure, diagnoseListing, type DoctorProblem } from './model/doctor';
import { failuresAfter } from './model/failures';
import { createFeed, FeedContext } from './model/feed';
import { allowedToolKeys, defaultPicks } from './model/toolSelection';
import { ReplayPanel } from './replay/ReplayPanel';
import { useCall } from './session/useCall';

export interface AppProps {
  token: string | undefined;
  openAiKey: string | undefined;
  remembered: boolean;
  mcpUrls: string[];
  storage: Storage | undefined;
}

export function App(props: AppProps) {
  const feed = useMemo(() => createFeed(), []);
  const [token, setToken] = useState(props.token);
  const openAiKey = useRef(props.openAiKey ?? '');
  const [remember, setRemember] = useState(props.remembered);
  const [rows, setRows] = useState<McpRow[]>(() => (props.mcpUrls.length > 0 ? props.mcpUrls.map((url) => emptyRow(url)) : [emptyRow()]));
  const [info, setInfo] = useState<ServeInfo>();
  const [report, setReport] = useState<ToolsReport>();
  const [listingProblems, setListingProblems] = useState<DoctorProblem[]>([]);
  const [listing, setListing] = useState(false);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string>();
  /** serve refused the token the page had (a stale remembered one, a wrong address): the field comes back. */
  const [tokenRefused, setTokenRefused] = useState(false);
  const client = useMemo(() => (token ? createServeClient({ token }) : undefined), [token]);

  // Every message shown is scrubbed of the secrets the page holds now, whoever wrote it (a fresh
  // redactor each time: registering values as they are typed would register their prefixes).
  const secrets = useRef({ token, rows });
  secrets.current = { token, rows };
  const scrub = useCallback((text: string) => {
    const redactor = new Redactor([secrets.current.token, openAiKey.current]);
    for (const row of secrets.current.rows) redactor.addHeaders({ value: row.headerValue }).addUrl(row.url);
    return redactor.text(text);
  }, []);
  const report_ = useCallback(
    (failure: unknown) => {
      const message = failure instanceof Error ? failure.message : typeof failure === 'string' ? failure : 'Failed to complete the action: an unknown error. Please try again.';
      const shown = scrub(message).slice(0, 1000);
      setError(shown);
      // A session refused because of an MCP server is the doctor's business too.
      if (failure instanceof ServeRequestError && (failure.code === 'mcp_url_refused' || failure.code === 'runtime_mcp_disabled' || /MCP server/.test(shown))) {
        setListingProblems([diagnoseFailure({ message: shown, status: failure.status, code: failure.code })]);
      }
    },
    [scrub],
  );
  const call = useCall(client, feed, report_);

  // Failures the session reports in its events reach the banner too (the newest one shows).
  const seenFailure = useRef(0);
  useEffect(
    () =>
      feed.subscribe(() => {
        const found = failuresAfter(feed.getSnapshot(), seenFailure.current).at(-1);
        if (found === undefined) return;
        seenFailure.current = found.id;
        report_(found.message);
      }),
    [feed, report_],
  );

  useEffect(() => {
    if (client === undefined) return;
    let current = true;
    client
      .info()
      .then((answer) => {
        if (!current) return;
        setInfo(answer);
        setTokenRefused(false);
      })
      .catch((failure: unknown) => {
        if (!current) return;
        if (failure instanceof ServeRequestError && failure.status === 401) setTokenRefused(true);
        report_(failure);
      });
    return () => void (current = false);
  }, [client, report_]);

  useEffect(() => {
    rememberSecrets(props.storage, { ...(token ? { token } : {}), ...(openAiKey.current ? { openAiKey: openAiKey.current } : {}) }, remember);
  }, [props.storage, remember, token]);

  const checkedRows = () => {
    const checked = rowsToServers(rows);
    if (checked.problems.length > 0) {
      report_(checked.problems[0]);
      return undefined;
    }
    return checked.servers;
  };

  const listTools = async () => {
    if (client === undefined) return report_('Failed to list the tools: the page has no access token for serve. Please open the address serve printed (it ends in #token=…).');
    const mcpServers = checkedRows();
    if (mcpServers === undefined) return;
    setListing(true);
    setError(undefined);
    try {
      const answer = await client.listTools({ mcpServers });
      setReport(answer);
      setPicked(defaultPicks(answer.tools));
      setListingProblems(diagnoseListing(answer, info?.toolLimits));
    } catch (failure) {
      const { message, status, code } = failure as { message: string; status?: number; code?: string };
      setReport(undefined);
      setListingProblems([diagnoseFailure({ message: scrub(String(message)), status: status ?? 0, code: code ?? 'error' })]);
      report_(failure);
    } finally {
      setListing(false);
    }
  };

  const connect = () => {
    const mcpServers = checkedRows();
    if (mcpServers === undefined) return;
    let tools: string[] | undefined;
    if (report !== undefined) {
      tools = allowedToolKeys(report.tools, picked);
      if (tools.length === 0) return report_('Failed to connect: no tool is picked. Please pick at least one tool.');
    }
    if (remember) rememberSecrets(props.storage, { ...(token ? { token } : {}), ...(openAiKey.current ? { openAiKey: openAiKey.current } : {}) }, true);
    setError(undefined);
    void call.start({ mcpServers, ...(tools ? { tools } : {}), ...(openAiKey.current ? { openAiKey: openAiKey.current } : {}), offline: info?.offline === true });
  };

  const pick = (next: Set<string>) => {
    const previous = picked;
    setPicked(next);
    if (call.state !== 'live' || call.sessionId === undefined || client === undefined || report === undefined) return;
    const allowed = allowedToolKeys(report.tools, next);
    client.setAllowedTools(call.sessionId, allowed).catch((failure: unknown) => {
      setPicked(previous);
      report_(failure);
    });
  };

  const context = useMemo(() => ({ feed, client: client ?? null, sessionId: call.sessionId ?? null }), [feed, client, call.sessionId]);

  return (
    <FeedContext.Provider value={context}>
      <header className="top">
        <h1>realtime-mcp-proxy</h1>
        <span className="muted">talk to MCP tools, watch every event{info ? ` · serve ${info.version}` : ''}</span>
        <ThemeToggle />
      </header>
      <ErrorBanner message={error} onDismiss={() => setError(undefined)} />
      <main className="layout">
        <div className="column setup">
          <ConnectPanel
            info={info}
            needsToken={props.token === undefined || tokenRefused}
            onToken={(value) => setToken(value || undefined)}
            openAiKey={openAiKey}
            remember={remember}
            onRemember={setRemember}
            rows={rows}
            onRows={setRows}
            listing={listing}
            onListTools={() => void listTools()}
            state={call.state}
            onConnect={connect}
            onHangUp={() => void call.hangUp()}
          />
          <ToolPicker report={report} picked={picked} onPicked={pick} live={call.state === 'live'} />
          <PanelBoundary name="doctor">
            <DoctorPanel problems={listingProblems} />
          </PanelBoundary>
        </div>
        <div className="column conversation">
          <TalkPanel call={call} onStart={connect} />
          <PanelBoundary name="transcript">
            <Transcript />
          </PanelBoundary>
          <PanelBoundary name="tool calls">
            <ToolCards onError={report_} />
          </PanelBoundary>
        </div>
        <div className="column debug">
          <div className="panel viz" aria-labelledby="events-title">
            <h2 id="events-title">Events</h2>
            <PanelBoundary name="event console">
            <EventConsole />
          </PanelBoundary>
          </div>
          <div className="panel viz" aria-labelledby="machines-title">
            <h2 id="machines-title">State machines</h2>
            <PanelBoundary name="state machines">
            <MachineDiagrams />
          </PanelBoundary>
          </div>
          <div className="panel viz">
            <PanelBoundary name="replay panel">
            <ReplayPanel onReplay={call.followReplay} />
          </PanelBoundary>
          </div>
        </div>
      </main>
    </FeedContext.Provider>
  );
}
