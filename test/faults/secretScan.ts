/**
 * What the secrets test scans, and how: every value as text (own properties, error messages,
 * stacks, causes and data, recursively), the hooks of a proxy captured as lines, and the search for
 * known secret values in all of it.
 */
import type { ProxyError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';

/** Everything reachable from a value as text: own properties (symbols too), Error messages, stacks, causes and data. */
export function dump(value: unknown, seen = new WeakSet<object>()): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return typeof value === 'function' ? '' : String(value);
  if (seen.has(value)) return '';
  seen.add(value);
  const parts: string[] = [];
  if (value instanceof Error) parts.push(value.name, value.message, value.stack ?? '', dump(value.cause, seen));
  if (value instanceof Map) for (const [k, v] of value) parts.push(dump(k, seen), dump(v, seen));
  if (value instanceof Set) for (const v of value) parts.push(dump(v, seen));
  for (const key of Reflect.ownKeys(value)) {
    parts.push(String(key), dump((value as Record<PropertyKey, unknown>)[key], seen));
  }
  return parts.join(' ');
}

/** Each secret found in each text, with where: `<secret> in <label>: …text around it…`. */
export function leaksIn(texts: ReadonlyArray<readonly [label: string, text: string]>, secrets: readonly string[]): string[] {
  return texts.flatMap(([label, text]) =>
    secrets
      .filter((secret) => text.includes(secret))
      .map((secret) => {
        const at = text.indexOf(secret);
        return `${secret} in ${label}: …${text.slice(Math.max(0, at - 120), at + secret.length + 40)}…`;
      }),
  );
}

export interface CapturedHooks {
  /** One line per log call, event and error, as text. */
  readonly lines: Array<readonly [label: string, text: string]>;
  readonly errors: ProxyError[];
  readonly hooks: { logger: Logger; onEvent: (name: string, payload: unknown) => void; onError: (error: ProxyError) => void };
}

/** Hooks for a proxy that keep everything they are given, as text. */
export function captureHooks(): CapturedHooks {
  const lines: Array<readonly [string, string]> = [];
  const errors: ProxyError[] = [];
  const log = (level: string) => (fields: Record<string, unknown>, message: string) => void lines.push([`log.${level}`, `${message} ${dump(fields)}`]);
  return {
    lines,
    errors,
    hooks: {
      logger: { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') },
      onEvent: (name, payload) => void lines.push([`event ${name}`, dump(payload)]),
      onError: (error) => {
        errors.push(error);
        lines.push([`hooks.onError ${error.code}`, dump(error)]);
      },
    },
  };
}
