/** The readable diff of a replay failure: the recorded (-) and sent (+) event where they first differ. */
import type { ReplayFailure } from './replay.js';
import { isJsonObject } from '../isJsonObject.js';

const CONTEXT = 3;
const MAX_BLOCK = 8;
const MAX_WIDTH = 160;

interface PrettyLine {
  text: string;
  /** JSON pointer of the value this line belongs to (its own line, or its opening/closing line). */
  path: string;
}

/**
 * A short unified-style diff of the recorded (-) and sent (+) event around the JSON pointer where
 * they first differ: a few lines of context from the recorded event, the differing value from each.
 */
export function describeDifference(failure: ReplayFailure): string[] {
  const hasExpected = failure.expected !== undefined;
  const hasActual = failure.actual !== undefined;
  if (!hasExpected && !hasActual) return [];
  const path = failure.path ?? '';
  const expected = hasExpected ? pretty(failure.expected) : [];
  const actual = hasActual ? pretty(failure.actual) : [];
  const within = (line: PrettyLine) => line.path === path || line.path.startsWith(`${path}/`);
  const block = (lines: PrettyLine[]) => {
    const start = lines.findIndex(within);
    if (start < 0) return { start: -1, end: -1 };
    let end = start;
    while (end + 1 < lines.length && within(lines[end + 1]!)) end++;
    return { start, end };
  };
  const inExpected = block(expected);
  const inActual = block(actual);
  // Context comes from the recorded event when it has the path, else from what the proxy sent.
  const base = inExpected.start >= 0 ? { lines: expected, at: inExpected } : { lines: actual, at: inActual };
  const out: string[] = [];
  const where = path === '' ? 'the whole event' : path;
  out.push(`  ${failure.seq > 0 ? `record ${failure.seq}, ` : ''}at ${where} (- recorded, + sent by the proxy):`);
  if (base.at.start < 0) {
    // The path is in neither (should not happen): show the start of each.
    for (const line of capped(expected.slice(0, MAX_BLOCK))) out.push(`  - ${line}`);
    for (const line of capped(actual.slice(0, MAX_BLOCK))) out.push(`  + ${line}`);
    return out;
  }
  for (const line of base.lines.slice(Math.max(0, base.at.start - CONTEXT), base.at.start)) out.push(`    ${clip(line.text)}`);
  const show = (lines: PrettyLine[], at: { start: number; end: number }, sign: string, side: string) => {
    if (at.start < 0) {
      out.push(`  ${sign} (no ${where} ${side})`);
      return;
    }
    for (const line of capped(lines.slice(at.start, at.end + 1))) out.push(`  ${sign} ${line}`);
  };
  show(expected, inExpected, '-', 'in the recording');
  show(actual, inActual, '+', 'in what the proxy sent');
  for (const line of base.lines.slice(base.at.end + 1, base.at.end + 1 + CONTEXT)) out.push(`    ${clip(line.text)}`);
  return out;
}

function capped(lines: PrettyLine[]): string[] {
  if (lines.length <= MAX_BLOCK) return lines.map((line) => clip(line.text));
  return [...lines.slice(0, MAX_BLOCK - 1).map((line) => clip(line.text)), `… (${lines.length - MAX_BLOCK + 1} more lines)`];
}

function clip(text: string): string {
  return text.length > MAX_WIDTH ? `${text.slice(0, MAX_WIDTH - 1)}…` : text;
}

/** Pretty JSON (2 spaces), each line tagged with the JSON pointer of its value. */
function pretty(value: unknown): PrettyLine[] {
  const lines: PrettyLine[] = [];
  const walk = (item: unknown, path: string, indent: string, prefix: string, comma: string): void => {
    if (Array.isArray(item) && item.length > 0) {
      lines.push({ text: `${indent}${prefix}[`, path });
      item.forEach((child, i) => walk(child, `${path}/${i}`, `${indent}  `, '', i < item.length - 1 ? ',' : ''));
      lines.push({ text: `${indent}]${comma}`, path });
      return;
    }
    if (isJsonObject(item) && Object.keys(item).length > 0) {
      const entries = Object.entries(item).filter(([, child]) => child !== undefined);
      lines.push({ text: `${indent}${prefix}{`, path });
      entries.forEach(([key, child], i) => walk(child, `${path}/${key}`, `${indent}  `, `${JSON.stringify(key)}: `, i < entries.length - 1 ? ',' : ''));
      lines.push({ text: `${indent}}${comma}`, path });
      return;
    }
    lines.push({ text: `${indent}${prefix}${JSON.stringify(item) ?? 'undefined'}${comma}`, path });
  };
  walk(value, '', '', '', '');
  return lines;
}

