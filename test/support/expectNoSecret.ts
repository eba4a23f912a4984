import { expect } from 'vitest';

/** Fails when any secret appears in an error: its text, message, stack or `data`, down its cause chain. */
export function expectNoSecret(error: unknown, secrets: readonly string[]): void {
  const texts: string[] = [];
  for (let current: unknown = error, depth = 0; current !== undefined && current !== null && depth < 10; depth++) {
    texts.push(String(current));
    if (current instanceof Error) {
      texts.push(current.message, current.stack ?? '', JSON.stringify((current as { data?: unknown }).data) ?? '');
      current = current.cause;
    } else current = undefined;
  }
  for (const secret of secrets) for (const text of texts) expect(text).not.toContain(secret);
}
