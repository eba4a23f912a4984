/**
 * The last lines a local MCP server wrote to stderr, bounded in lines and characters, so that the
 * error reporting its exit can quote why ("Stripe API key not provided") without keeping a chatty
 * server's whole log. Colour codes are stripped; blank lines are skipped.
 */
import { StringDecoder } from 'node:string_decoder';

export const DEFAULT_STDERR_TAIL_LINES = 20;
export const DEFAULT_STDERR_TAIL_CHARS = 4_000;

/** Terminal colour and cursor sequences (CSI …), which mean nothing in an error message. */
const ANSI_ESCAPES = /\u001b\[[0-?]*[ -/]*[@-~]/g;

export class StderrTail {
  readonly #maxLines: number;
  readonly #maxChars: number;
  readonly #decoder = new StringDecoder('utf8');
  #lines: string[] = [];
  #chars = 0;
  /** The line being written (no newline yet). */
  #partial = '';

  constructor(options: { maxLines?: number; maxChars?: number } = {}) {
    this.#maxLines = Math.max(1, options.maxLines ?? DEFAULT_STDERR_TAIL_LINES);
    this.#maxChars = Math.max(16, options.maxChars ?? DEFAULT_STDERR_TAIL_CHARS);
  }

  write(chunk: Buffer | string): void {
    const pieces = (this.#partial + (typeof chunk === 'string' ? chunk : this.#decoder.write(chunk))).split(/\r?\n|\r/);
    this.#partial = this.#clip(pieces.pop() ?? '');
    for (const piece of pieces) this.#push(piece);
  }

  /** The kept lines, oldest first, the unfinished last one included. */
  lines(): string[] {
    const last = clean(this.#partial);
    return last === '' ? [...this.#lines] : [...this.#lines, last].slice(-this.#maxLines);
  }

  #push(line: string): void {
    const text = this.#clip(clean(line));
    if (text === '') return;
    this.#lines.push(text);
    this.#chars += text.length;
    while (this.#lines.length > this.#maxLines || (this.#chars > this.#maxChars && this.#lines.length > 1)) this.#chars -= this.#lines.shift()!.length;
  }

  /** A line longer than the whole budget keeps its end (where the error usually is). */
  #clip(line: string): string {
    return line.length > this.#maxChars ? `…${line.slice(-(this.#maxChars - 1))}` : line;
  }
}

function clean(line: string): string {
  return line.replace(ANSI_ESCAPES, '').trimEnd();
}
