/**
 * The one redactor: a registry of the secrets a session knows (keys, tokens, header values, URL
 * credentials, token functions' values as they are resolved) and the rules that remove them from
 * whatever leaves the process. Browser-safe, and shared by recordings, errors, logs, tool outputs
 * and the CLI, so every place redacts the same things with the same markers.
 *
 * Two strengths:
 * - `scrub` / `scrubValue`, for what the model and the host's tool results get: the known secrets
 *   and recognisable key shapes, nothing else (a URL or `code=` in a tool's answer stays as it is);
 * - `text` / `value` / `headers` / `error` / `logger`, for everything written out (recordings,
 *   errors, logs, CLI output): also URL credentials, credential-named headers and JSON fields.
 *
 * Limits: a value shorter than four characters is never registered (it would match everywhere),
 * and a secret is found only as it was given, JSON-escaped or percent-encoded; one cut in two, or
 * encoded otherwise (base64…), is not.
 */
import type { Logger } from '../logger.js';
import { redactUrl, isCredentialName, urlSecrets } from './redactUrl.js';
import { MARKERS, REDACTED, redactSecretPatterns } from './secretPatterns.js';

/** Shorter values are not registered: redacting "abc" everywhere would destroy text, not protect it. */
export const MIN_SECRET_LENGTH = 4;

/** Headers whose values are never written, by name (besides any name `isCredentialName` accepts). */
export const DENIED_HEADERS = /^(authorization|proxy-authorization|cookie|set-cookie|x-api-key|api-key|openai-.*)$/i;

/** Key paths (suffixes of the path from the root) whose string values are secrets, in JSON written out. */
export const SECRET_JSON_PATHS: ReadonlyArray<readonly string[]> = [['client_secret', 'value'], ['client_secret'], ['access_token'], ['refresh_token'], ['authorization'], ['api_key']];
// Not a bare `token`: transcription logprobs carry `token` fields that are words, not secrets.

type Leaf = (text: string) => string;

export class Redactor {
  readonly #known = new Set<string>();
  /** The known values and their encoded forms, longest first (a secret containing another goes whole). */
  #values: string[] = [];
  /**
   * Redactors that learn what this one learns, held weakly: serve links every request's redactor
   * to its own, and must not keep them (nor the page keys they know) for its lifetime.
   */
  readonly #linked = new Set<WeakRef<Redactor>>();
  readonly #linkedTo = new WeakSet<Redactor>();
  /** Gone ones are swept from #linked when it reaches this size. */
  #sweepAt = 64;

  constructor(secrets: Iterable<string | undefined | null> = []) {
    this.add(...secrets);
  }

  /** How many secrets are known (encoded forms not counted). */
  get size(): number {
    return this.#known.size;
  }

  /** Registers secret values, from now on redacted everywhere this redactor is consulted. Short or non-string values are ignored. */
  add(...secrets: Array<string | undefined | null>): this {
    const added: string[] = [];
    for (const secret of secrets) {
      if (typeof secret !== 'string' || secret.length < MIN_SECRET_LENGTH || this.#known.has(secret) || MARKERS.includes(secret)) continue;
      this.#known.add(secret);
      added.push(secret);
    }
    if (added.length === 0) return this;
    const forms = new Set(this.#values);
    for (const secret of added) for (const form of encodedForms(secret)) forms.add(form);
    this.#values = [...forms].sort((a, b) => b.length - a.length);
    for (const ref of this.#linked) {
      const other = ref.deref();
      if (other === undefined) this.#linked.delete(ref);
      else other.add(...added);
    }
    return this;
  }

  /** Registers the credentials a URL carries (userinfo, credential-like parameters). */
  addUrl(url: string | undefined): this {
    return typeof url === 'string' ? this.add(...urlSecrets(url)) : this;
  }

  /** Registers every header value, whole and past a scheme word (`Bearer x` → also `x`). */
  addHeaders(headers: Record<string, string> | undefined): this {
    if (typeof headers !== 'object' || headers === null) return this;
    for (const value of Object.values(headers)) if (typeof value === 'string') this.add(value, /^\S+\s+(\S.*)$/.exec(value)?.[1]);
    return this;
  }

  /** Everything known here, and everything registered later, is also registered in `other`. */
  link(other: Redactor): this {
    if (other === this || this.#linkedTo.has(other)) return this;
    this.#linkedTo.add(other);
    this.#linked.add(new WeakRef(other));
    if (this.#linked.size >= this.#sweepAt) {
      for (const ref of this.#linked) if (ref.deref() === undefined) this.#linked.delete(ref);
      this.#sweepAt = Math.max(64, this.#linked.size * 2);
    }
    other.add(...this.#known);
    return this;
  }

  /** For what the model and tool results get: known secrets and key shapes removed, nothing else touched. */
  scrub(text: string): string {
    return redactSecretPatterns(this.#replaceKnown(text));
  }

  /** `scrub` on every string of a JSON-like value. A copy where something changed; the same value where nothing did. */
  scrubValue<T>(value: T): T {
    return this.#walk(value, undefined, (text) => this.scrub(text), new Map()) as T;
  }

  /** For text written out: known secrets, key shapes and URL credentials removed. */
  text(text: string): string {
    // Key shapes before URL parameters: `?auth=Bearer x` must lose the token, not only the word "Bearer".
    return redactUrl(redactSecretPatterns(this.#replaceKnown(text)));
  }

  /** `text` on every string of a value, and values under secret JSON keys replaced whole; errors inside become redacted copies. */
  value<T>(value: T): T {
    return this.#walk(value, [], (text) => this.text(text), new Map()) as T;
  }

  /** A URL for messages and recordings. */
  url(url: string | URL): string {
    return this.text(String(url));
  }

  /** Header values redacted, wholly for credential-named headers; names lower-cased. */
  headers(headers: Record<string, string> | undefined): Record<string, string> | undefined {
    if (headers === undefined) return undefined;
    // fromEntries defines own properties: a header named "__proto__" stays data.
    return Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), isSecretHeader(name) ? REDACTED : this.text(value)]));
  }

  /**
   * A redacted copy of an error: message, stack, own properties (`data`, `code`…) and the whole
   * `cause` chain. The copy keeps the prototype (so `instanceof` and `ProxyError.isInstance` still
   * hold); the original is left as it was. Anything else is redacted as a value.
   */
  error<T>(error: T): T {
    return this.#error(error, new Map()) as T;
  }

  /** A logger that redacts each message and its fields before the host's logger sees them. */
  logger(host: Logger): Logger {
    const level =
      (name: keyof Logger) =>
      (fields: Record<string, unknown>, message: string): void =>
        host[name](this.value(fields), typeof message === 'string' ? this.text(message) : message);
    return { debug: level('debug'), info: level('info'), warn: level('warn'), error: level('error') };
  }

  #replaceKnown(text: string): string {
    let out = text;
    for (const secret of this.#values) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    return out;
  }

  #walk(value: unknown, path: string[] | undefined, leaf: Leaf, seen: Map<object, unknown>): unknown {
    if (typeof value === 'string') return path !== undefined && isSecretPath(path) ? REDACTED : leaf(value);
    if (typeof value !== 'object' || value === null) return value;
    if (seen.has(value)) return seen.get(value);
    if (value instanceof Error) return this.#error(value, seen);
    const isArray = Array.isArray(value);
    const prototype: unknown = Object.getPrototypeOf(value);
    // Maps, dates, class instances: passed as they are (only JSON-like data is walked).
    if (!isArray && prototype !== Object.prototype && prototype !== null) return value;
    seen.set(value, '<circular>');
    let changed = false;
    const entries = Object.entries(value).map(([key, child]) => {
      // An array's items share its path: every string under `access_token: [...]` is a secret.
      const clean = this.#walk(child, path === undefined || isArray ? path : [...path, key], leaf, seen);
      if (clean !== child) changed = true;
      return [key, clean] as const;
    });
    seen.delete(value);
    if (!changed) return value;
    // fromEntries defines own properties: a "__proto__" key of parsed JSON stays data, not a prototype.
    return isArray ? entries.map(([, child]) => child) : Object.fromEntries(entries);
  }

  #error(error: unknown, seen: Map<object, unknown>): unknown {
    if (!(error instanceof Error)) return typeof error === 'string' ? this.text(error) : this.#walk(error, [], (text) => this.text(text), seen);
    if (seen.has(error)) return seen.get(error);
    // A native Error underneath keeps what runtimes print errors by; the prototype keeps the class.
    const copy = new Error();
    Object.setPrototypeOf(copy, Object.getPrototypeOf(error) as object);
    seen.set(error, copy);
    for (const key of Reflect.ownKeys(copy)) delete (copy as unknown as Record<PropertyKey, unknown>)[key];
    for (const key of Reflect.ownKeys(error)) {
      const { enumerable } = Object.getOwnPropertyDescriptor(error, key)!;
      let value: unknown;
      try {
        value = Reflect.get(error, key); // `stack` is an accessor in some runtimes: copied as the text it gives
      } catch {
        continue;
      }
      const clean = key === 'cause' ? this.#error(value, seen) : typeof value === 'string' ? this.text(value) : this.#walk(value, [], (text) => this.text(text), seen);
      Object.defineProperty(copy, key, { value: clean, enumerable: enumerable ?? false, writable: true, configurable: true });
    }
    // A DOMException (AbortError, TimeoutError) keeps name and message in accessors that need the
    // original's internal slots: the copy gets them as its own text, or String(copy) would throw.
    for (const key of ['name', 'message'] as const) {
      if (Object.prototype.hasOwnProperty.call(copy, key)) continue;
      try {
        const text = Reflect.get(error, key) as unknown;
        if (typeof text === 'string') Object.defineProperty(copy, key, { value: this.text(text), enumerable: false, writable: true, configurable: true });
      } catch {
        // a getter that throws on the original: nothing to keep
      }
    }
    return copy;
  }
}

function isSecretHeader(name: string): boolean {
  return DENIED_HEADERS.test(name) || isCredentialName(name);
}

function isSecretPath(path: readonly string[]): boolean {
  return SECRET_JSON_PATHS.some((rule) => rule.length <= path.length && rule.every((key, i) => path[path.length - rule.length + i] === key));
}

/** A secret as given, JSON-escaped (inside a JSON text) and percent-encoded (inside a URL). */
function encodedForms(secret: string): string[] {
  return [...new Set([secret, JSON.stringify(secret).slice(1, -1), encodeURIComponent(secret)])].filter((form) => form.length >= MIN_SECRET_LENGTH);
}
