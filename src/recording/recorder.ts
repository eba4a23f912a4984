/**
 * The recorder: taps a Realtime transport, the fetch of each MCP connection and the host's approval
 * answers, and writes one redacted record per frame to a sink, line by line. Browser-safe: the file
 * sink and the sha256 for audio elision come from `realtime-mcp-proxy/node` (createFileRecorder).
 */
import { base64ByteLength } from '../base64.js';
import { ProxyError } from '../errors.js';
import type { FetchLike, Transport } from '../mcp/transports.js';
import type { RealtimeTransport } from '../protocol/transport.js';
import {
  ELIDED_AUDIO_FIELDS,
  RECORDING_FORMAT,
  RECORDING_VERSION,
  formatRecordingLine,
  type RecordedProxyOptions,
  type RecordingHeader,
  type RecordingRecord,
} from './format.js';
import { Redactor } from '../redaction/index.js';
import { createIdNormalizer, type IdNormalizer } from './ids.js';
import { parseSseChunk } from './sse.js';

/** Where lines go. A file sink writes each line at once, so a crash loses at most the last frame. */
export interface RecordingSink {
  write(line: string): void;
  close(): void | Promise<void>;
  /** Closes and removes what was written (a session that never started). Without it, `discard` closes. */
  discard?(): void | Promise<void>;
}

type DistributiveOmit<T, K extends keyof never> = T extends unknown ? Omit<T, K> : never;
export type NewRecord = DistributiveOmit<RecordingRecord, 'seq' | 't'>;

export interface RecorderOptions {
  sink: RecordingSink;
  /** Monotonic milliseconds. Default `performance.now()`. */
  now?: () => number;
  startedAt?: Date;
  model?: string | null;
  description?: string;
  servers?: RecordingHeader['servers'];
  proxy?: RecordedProxyOptions;
  meta?: Record<string, unknown>;
  /** Default `placeholders`. */
  ids?: 'placeholders' | 'raw';
  /** With placeholders: hears each new placeholder and the real id it stands for (the mapping, kept as it grows). */
  onIdPlaceholder?: (placeholder: string, id: string) => void;
  /** Default `elided` (needs `hash`); `sidecar` also hands the bytes to `onAudio`; `kept` writes them. */
  audio?: 'elided' | 'sidecar' | 'kept';
  /** sha256 of base64 audio (hex), for `{ $elided: 'base64', bytes, sha256 }`. */
  hash?: (base64: string) => string;
  onAudio?: (sha256: string, base64: string) => void;
  /**
   * The registry of secrets to redact wherever they appear, consulted at every write: a secret
   * registered later (a token function's value, once resolved) is redacted from then on. Share it
   * with the proxy (`createRealtimeMcpProxy` uses the recorder's own when given none). Default: a new one.
   */
  redactor?: Redactor;
  /** More exact secret values (MCP tokens…), added to the redactor. Key shapes and URL credentials are always redacted. */
  secrets?: readonly string[];
}


export class Recorder {
  readonly #sink: RecordingSink;
  readonly #now: () => number;
  readonly #t0: number;
  readonly #redactor: Redactor;
  readonly #ids: IdNormalizer | undefined;
  readonly #options: RecorderOptions;
  /** What happens to audio payloads: `elided`/`sidecar` only with a hash (the constructor checks). */
  readonly #audio: 'elided' | 'sidecar' | 'kept';
  #seq = 0;
  #requests = 0;
  #closed = false;

  constructor(options: RecorderOptions) {
    if ((options.audio === 'elided' || options.audio === 'sidecar') && !options.hash) {
      throw new ProxyError('invalid_options', `Failed to create a recorder: audio "${options.audio}" needs a hash function (the sha256 of the base64). Please pass hash, or use createFileRecorder from realtime-mcp-proxy/node, which has one.`);
    }
    this.#options = options;
    this.#audio = options.audio ?? (options.hash ? 'elided' : 'kept');
    this.#sink = options.sink;
    this.#now = options.now ?? (() => performance.now());
    this.#t0 = this.#now();
    this.#redactor = (options.redactor ?? new Redactor()).add(...(options.secrets ?? []));
    this.#ids = (options.ids ?? 'placeholders') === 'placeholders' ? createIdNormalizer(options.onIdPlaceholder) : undefined;
    const header: RecordingHeader = {
      kind: 'header',
      format: RECORDING_FORMAT,
      version: RECORDING_VERSION,
      startedAt: (options.startedAt ?? new Date()).toISOString(),
      clock: 'monotonic-ms',
      model: options.model ?? null,
      ...(options.description ? { description: options.description } : {}),
      redaction: { profile: 'default', ids: options.ids ?? 'placeholders', audio: this.#audio },
      ...(options.servers ? { servers: this.#redactor.value(options.servers) } : {}),
      ...(options.proxy ? { proxy: this.#redactor.value(options.proxy) } : {}),
      ...(options.meta ? { meta: this.#redactor.value(options.meta) } : {}),
    };
    this.#sink.write(formatRecordingLine(header));
  }

  /** What every record is redacted with: register secrets here (the proxy does, for its session). */
  get redactor(): Redactor {
    return this.#redactor;
  }

  /** The placeholder → id mapping of this recording (empty with raw ids). */
  idMapping(): Record<string, string> {
    return this.#ids?.mapping() ?? {};
  }

  /** Writes one record: numbered, timed, redacted, ids normalised, audio elided. */
  record(record: NewRecord): void {
    if (this.#closed) return;
    let clean = this.#redactor.value(record) as NewRecord;
    // Denied headers (cookies, API keys, openai-*) go by name, whatever their values look like.
    if ('headers' in clean && clean.headers) clean = { ...clean, headers: this.#redactor.headers(clean.headers)! };
    if (clean.kind === 'ws.message' && typeof clean.data === 'object') clean = { ...clean, data: this.#elide(clean.data) };
    if (this.#ids) {
      clean = this.#ids.normalize(clean);
      if ('headers' in clean && clean.headers?.['mcp-session-id']) {
        clean = { ...clean, headers: { ...clean.headers, 'mcp-session-id': this.#ids.placeholder(clean.headers['mcp-session-id'], 'mcp-session') } };
      }
    }
    const t = Math.round((this.#now() - this.#t0) * 1000) / 1000;
    this.#sink.write(formatRecordingLine({ seq: ++this.#seq, t, ...clean } as RecordingRecord));
  }

  /** Records every frame of a Realtime transport, both ways, and its open and close. Returns an off function. */
  tapTransport(transport: RealtimeTransport, url?: string): () => void {
    const offs = [
      transport.on('open', () => this.record({ peer: 'openai', dir: 'out', kind: 'ws.open', ...(url ? { url: this.#redactor.url(url) } : {}) })),
      transport.on('frame', (dir, text) => this.record({ peer: 'openai', dir, kind: 'ws.message', data: parseJson(text) })),
      transport.on('close', (info) => this.record({ peer: 'openai', dir: 'in', kind: 'ws.close', code: info.code, reason: info.reason })),
    ];
    return () => offs.forEach((off) => off());
  }

  /** A fetch for one MCP connection that records its requests, responses and SSE events. */
  tapFetch(label: string, fetchImpl: FetchLike): FetchLike {
    const peer = `mcp:${label}` as const;
    return async (input, init) => {
      const rid = `r${++this.#requests}`;
      const request = input instanceof Request ? input : undefined;
      const method = init?.method ?? request?.method ?? 'GET';
      const body = typeof init?.body === 'string' ? parseJson(init.body) : undefined;
      this.record({ peer, dir: 'out', kind: 'http.request', rid, method, url: String(request?.url ?? input), headers: headersOf(init?.headers ?? request?.headers), ...(body === undefined ? {} : { body }) });
      let response: Response;
      try {
        response = await fetchImpl(input, init);
      } catch (error) {
        // No answer at all (refused, aborted): status 0, as browsers report a network error.
        this.record({ peer, dir: 'in', kind: 'http.response', rid, status: 0, body: { error: error instanceof Error ? error.message : String(error) } });
        throw error;
      }
      const headers = headersOf(response.headers);
      const type = response.headers.get('content-type') ?? '';
      if (type.includes('text/event-stream') && response.body) {
        this.record({ peer, dir: 'in', kind: 'http.response', rid, status: response.status, headers });
        void this.#recordSse(peer, rid, response.clone().body!);
        return response;
      }
      if (type.includes('json')) {
        const text = await response.clone().text();
        this.record({ peer, dir: 'in', kind: 'http.response', rid, status: response.status, headers, body: parseJson(text) });
        return response;
      }
      this.record({ peer, dir: 'in', kind: 'http.response', rid, status: response.status, headers });
      return response;
    };
  }

  /**
   * An MCP transport that records every JSON-RPC message both ways (stdio servers, where there is no
   * HTTP to tap). The SDK sets the `on…` handlers after construction, so they pass through.
   */
  tapMcpTransport(label: string, inner: Transport): Transport {
    const peer = `mcp:${label}` as const;
    const record = (dir: 'in' | 'out', message: unknown) => this.record({ peer, dir, kind: 'jsonrpc.message', data: message as Record<string, unknown> });
    let onmessage: Transport['onmessage'];
    return {
      start: () => inner.start(),
      send: (message, options) => {
        record('out', message);
        return inner.send(message, options);
      },
      close: () => inner.close(),
      get sessionId() {
        return inner.sessionId;
      },
      setProtocolVersion: (version: string) => inner.setProtocolVersion?.(version),
      get onmessage() {
        return onmessage;
      },
      set onmessage(handler) {
        onmessage = handler;
        inner.onmessage = handler && ((message, extra) => (record('in', message), handler(message, extra)));
      },
      get onerror() {
        return inner.onerror;
      },
      set onerror(handler) {
        inner.onerror = handler;
      },
      get onclose() {
        return inner.onclose;
      },
      set onclose(handler) {
        inner.onclose = handler;
      },
    };
  }

  /** The host's answer to an approval request. */
  approval(answer: { approvalId: string; approved: boolean; reason?: string; sticky?: boolean }): void {
    this.record({ peer: 'host', dir: 'in', kind: 'approval.answer', ...answer });
  }

  /** The host's new allowlist (`setAllowedTools`): a replay sets it again at this point. */
  allowedTools(keys: readonly string[]): void {
    this.record({ peer: 'host', dir: 'in', kind: 'allowedTools.set', allowedTools: [...keys] });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#sink.close();
  }

  /**
   * Ends a recording of a session that never started (its options were refused before the Realtime
   * connection was opened): the sink removes what it wrote, when it can (a file sink deletes its
   * files); otherwise this is close().
   */
  async discard(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await (this.#sink.discard ? this.#sink.discard() : this.#sink.close());
  }

  async #recordSse(peer: `mcp:${string}`, rid: string, body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    const reader = body.getReader();
    let buffered = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buffered += decoder.decode(value, { stream: true });
        const { events, rest } = parseSseChunk(buffered);
        buffered = rest;
        for (const event of events) {
          this.record({ peer, dir: 'in', kind: 'sse.event', rid, ...(event.event ? { event: event.event } : {}), ...(event.id ? { id: event.id } : {}), data: parseJson(event.data) });
        }
      }
    } catch {
      // The stream was aborted (the call was cancelled, the connection closed): what came is recorded.
    }
  }

  #elide(data: Record<string, unknown>): Record<string, unknown> {
    const field = ELIDED_AUDIO_FIELDS.get(String(data.type));
    if (field === undefined || this.#audio === 'kept' || typeof data[field] !== 'string') return data;
    const base64 = data[field] as string;
    const sha256 = this.#options.hash!(base64);
    if (this.#audio === 'sidecar') this.#options.onAudio?.(sha256, base64);
    return { ...data, [field]: { $elided: 'base64', bytes: base64ByteLength(base64), sha256 } };
  }
}

function parseJson(text: string): Record<string, unknown> | string {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : text;
  } catch {
    return text;
  }
}

function headersOf(headers: HeadersInit | undefined): Record<string, string> | undefined {
  if (headers === undefined) return undefined;
  // Own properties, whatever the names: a header called "__proto__" stays a header.
  return Object.fromEntries(new Headers(headers));
}
