// Recording and replay, the browser-safe part. Files, the mock MCP server and replay: src/node.
export { RECORDING_FORMAT, RECORDING_VERSION, formatRecordingLine, parseRecordingLine } from './format.js';
export type { ParsedLine, RecordedProxyOptions, RecordingHeader, RecordingLine, RecordingPeer, RecordingRecord, RecordingRecordOf } from './format.js';
export { Recorder } from './recorder.js';
export type { NewRecord, RecorderOptions, RecordingSink } from './recorder.js';
export { createIdNormalizer, isIdPlaceholder, matchIds } from './ids.js';
export type { IdMatch, IdNormalizer } from './ids.js';
