// STUB by helper viz (the contract's names only, so viz's branch compiles alone): drop in favour of ui's serveClient.ts at merge.
export interface ServeClient {
  startReplay(jsonl: string, options: { mode: 'realtime' | 'step' | 'fast'; speed: number }): Promise<{ sessionId: string; records: number }>;
  stepReplay(id: string): Promise<{ played: number; done: boolean }>;
  stopReplay(id: string): Promise<void>;
  recording(sessionId: string): Promise<string>;
}

export function createServeClient(_options: { token: string; fetch?: typeof fetch }): ServeClient {
  throw new Error('Failed to create a serve client: this is viz’s stub. Please use ui’s serveClient.ts.');
}
