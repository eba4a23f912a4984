// STUB by helper viz (the contract's types only, so viz's branch compiles alone): drop in favour of ui's feed.ts at merge.
import { createContext } from 'react';
import type { ServeClient } from '../api/serveClient';

export interface FeedEvent {
  id: number;
  type: string;
  at: number;
  data: unknown;
  origin: 'serve' | 'page';
}

export interface Feed {
  push(event: FeedEvent): void;
  clear(): void;
  subscribe(listener: () => void): () => void;
  getSnapshot(): readonly FeedEvent[];
  paused: boolean;
}

export function createFeed(): Feed {
  let events: readonly FeedEvent[] = [];
  const listeners = new Set<() => void>();
  const notify = () => listeners.forEach((listener) => listener());
  return {
    paused: false,
    push(event) {
      events = [...events, event];
      notify();
    },
    clear() {
      events = [];
      notify();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    getSnapshot: () => events,
  };
}

export interface FeedContextValue {
  feed: Feed;
  client: ServeClient | null;
  sessionId: string | null;
}

export const FeedContext = createContext<FeedContextValue | null>(null);
