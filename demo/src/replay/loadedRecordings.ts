/**
 * The recording text each replay session was started from, so the console exports the very file
 * that was loaded (serve keeps no recording of a replay). Session ids are data: a Map, bounded.
 */
const MAX_KEPT = 8;
const recordings = new Map<string, string>();

export function rememberLoadedRecording(sessionId: string, text: string): void {
  recordings.delete(sessionId);
  recordings.set(sessionId, text);
  while (recordings.size > MAX_KEPT) {
    const oldest = recordings.keys().next().value;
    if (oldest === undefined) break;
    recordings.delete(oldest);
  }
}

export function loadedRecordingOf(sessionId: string): string | undefined {
  return recordings.get(sessionId);
}
