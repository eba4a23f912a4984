/**
 * A tool call's output as the page shows it, from `toolCall.ended`'s timeline: MCP content (text,
 * images as thumbnails, resources named), structured content pretty-printed, errors; and the
 * latency bar's segments.
 */
import { isFields, textField, timeField, type Fields } from './serverEvents';

export interface ToolImage {
  mimeType: string;
  /** base64 */
  data: string;
}

export interface ToolOutputView {
  texts: string[];
  /** Structured content (or a JSON output), pretty-printed. */
  structured?: string;
  images: ToolImage[];
  /** What went wrong, when the call did not succeed. */
  error?: string;
}

const CODE_TEXT: ReadonlyMap<string, string> = new Map([
  ['denied', 'Denied: the tool did not run.'],
  ['tool_error', 'The tool reported an error.'],
  ['invalid_arguments', 'The arguments did not fit the tool: it did not run.'],
  ['unknown_tool', 'No tool has this name.'],
  ['not_allowed', 'This tool is not allowed in this session.'],
  ['timeout', 'The tool did not answer in time.'],
  ['skipped', 'The call was skipped (the session ended or the response was cancelled).'],
  ['cancelled', 'Cancelled: the user interrupted, or the response was cancelled.'],
  ['transport_error', 'The MCP server could not be reached, or the connection broke.'],
  ['auth_error', 'The MCP server refused the credentials.'],
  ['protocol_error', "The MCP server's answer could not be read."],
  ['session_expired', "The MCP server's session expired."],
  ['output_schema_mismatch', "The tool's structured output did not fit its output schema."],
]);
const IMAGE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** Bigger images are left out of the page (serve's event log caps events at 32 KiB anyway). */
const MAX_IMAGE_BASE64 = 2_000_000;
const MAX_TEXT = 20_000;

export function toolOutputOf(timeline: Fields): ToolOutputView {
  const view: ToolOutputView = { texts: [], images: [] };
  const code = textField(timeline, 'code');
  const result = isFields(timeline.result) ? timeline.result : undefined;
  const mcpResult = result && isFields(result.mcpResult) ? result.mcpResult : undefined;
  const output = textField(timeline, 'output') ?? (result ? textField(result, 'output') : undefined);

  if (mcpResult !== undefined) {
    for (const part of Array.isArray(mcpResult.content) ? mcpResult.content : []) {
      if (!isFields(part)) continue;
      if (part.type === 'text' && typeof part.text === 'string') view.texts.push(bounded(part.text));
      else if (part.type === 'image' && typeof part.mimeType === 'string' && IMAGE_TYPES.has(part.mimeType) && typeof part.data === 'string' && part.data.length <= MAX_IMAGE_BASE64 && BASE64.test(part.data)) {
        view.images.push({ mimeType: part.mimeType, data: part.data });
      } else if (part.type === 'image') view.texts.push(`(An image not shown: ${typeof part.mimeType === 'string' ? part.mimeType.slice(0, 60) : 'no type'}; the page shows PNG, JPEG, GIF and WebP.)`);
      else if (part.type === 'resource_link' && typeof part.uri === 'string') view.texts.push(`Resource link: ${bounded(part.uri)}`);
      else if (part.type === 'resource' && isFields(part.resource)) {
        const resource = part.resource;
        view.texts.push(typeof resource.text === 'string' ? bounded(resource.text) : `Resource: ${bounded(String(resource.uri ?? ''))}`);
      } else if (typeof part.type === 'string') view.texts.push(`(${part.type.slice(0, 40)} content)`);
    }
    if (mcpResult.structuredContent !== undefined) view.structured = pretty(mcpResult.structuredContent);
  } else if (output !== undefined) {
    const parsed = parseJson(output);
    if (parsed !== undefined && typeof parsed === 'object' && parsed !== null) view.structured = pretty(parsed);
    else view.texts.push(bounded(output));
  } else if (timeline.truncated === true) {
    view.texts.push(`(The output was too large for the event stream${typeof timeline.bytes === 'number' ? `: ${timeline.bytes} bytes` : ''}.)`);
  }

  if (code !== undefined && code !== 'ok') {
    const message = result ? textField(result, 'message') : undefined;
    // The output itself is shown below the error: the error names the outcome once.
    view.error = bounded(message ?? CODE_TEXT.get(code) ?? `The call ended with "${code.slice(0, 40)}".`);
  }
  return view;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function pretty(value: unknown): string {
  try {
    return bounded(JSON.stringify(value, null, 2) ?? String(value));
  } catch {
    return '(not JSON)';
  }
}

const bounded = (text: string) => (text.length > MAX_TEXT ? `${text.slice(0, MAX_TEXT)}… (${text.length - MAX_TEXT} more characters)` : text);

export interface LatencySegment {
  label: string;
  from: number;
  to: number;
  ms: number;
}

const STAGES: ReadonlyArray<readonly [string, string]> = [
  ['argumentsCompleteAt', 'arguments complete'],
  ['mcpRequestAt', 'MCP request'],
  ['mcpResultAt', 'MCP result'],
  ['outputSentAt', 'output sent'],
];

/** The segments between the stages that happened, in order; `speakingAt` ends the last one ("model speaking"). */
export function latencySegments(timeline: Fields, speakingAt: number | undefined): LatencySegment[] {
  const points: Array<{ name: string; at: number }> = [];
  for (const [field, name] of STAGES) {
    const at = timeField(timeline, field);
    if (at !== undefined) points.push({ name, at });
  }
  if (speakingAt !== undefined) points.push({ name: 'model speaking', at: speakingAt });
  const segments: LatencySegment[] = [];
  for (let index = 1; index < points.length; index += 1) {
    const from = points[index - 1]!;
    const to = points[index]!;
    // Clocks of different sources may disagree by a millisecond: a segment is never negative.
    segments.push({ label: `${from.name} → ${to.name}`, from: from.at, to: to.at, ms: Math.max(0, to.at - from.at) });
  }
  return segments;
}
