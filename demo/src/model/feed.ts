/**
 * The page's one list of events: serve's session events (live or replayed) and what the page did
 * itself (`origin: 'page'`). Every view derives from it; React reads it with useSyncExternalStore.
 * Bounded: the oldest events go first.
 */
import { createContext, useContext, useSyncExternalStore } from 'react';
import type { ServeClient } from '../api/serveClient';

export interface FeedEvent {
  /** The feed's own sequence (serve's event ids restart with each session). */
  id: number;
  type: string;
  /** Epoch ms. */
  at: number;
  data: unknown;
  origin: 'serve' | 'page';
}

export type FeedInput = Omit<FeedEvent, 'id' | 'at'> & { id?: number; at?: number };

export interface Feed {
  /** Adds an event (its `id` is the feed's own, whatever it had). */
  push(event: FeedInput): FeedEvent;
  clear(): void;
  /** Called after changes (batched: once per microtask); returns the unsubscribe. */
  subscribe(listener: () => void): () => void;
  /** The same array until the feed changes. */
  getSnapshot(): readonly FeedEvent[];
  /** The console's pause: the feed keeps every event; views that honour it stop following. Setting it notifies. */
  paused: boolean;
}

export const DEFAULT_FEED_CAPACITY = 5000;

export function createFeed(options: { capacity?: number } = {}): Feed {
  const capacity = Math.max(1, options.capacity ?? DEFAULT_FEED_CAPACITY);
  let events: FeedEvent[] = [];
  let snapshot: readonly FeedEvent[] = events;
  let dirty = false;
  let scheduled = false;
  let nextId = 1;
  let paused = false;
  const listeners = new Set<() => void>();

  const notify = () => {
    dirty = true;
    if (scheduled) return;
    scheduled = true;
    queueMicrotask(() => {
      scheduled = false;
      for (const listener of [...listeners]) {
        try {
          listener();
        } catch {
          // One view's failure does not stop the others from updating.
        }
      }
    });
  };

  return {
    push(input) {
      const event: FeedEvent = { id: nextId++, type: String(input.type), at: typeof input.at === 'number' && Number.isFinite(input.at) ? input.at : Date.now(), data: input.data, origin: input.origin === 'page' ? 'page' : 'serve' };
      events.push(event);
      if (events.length > capacity) events.splice(0, events.length - capacity);
      notify();
      return event;
    },
    clear() {
      events = [];
      notify();
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => void listeners.delete(listener);
    },
    getSnapshot() {
      if (dirty) {
        snapshot = events.slice();
        dirty = false;
      }
      return snapshot;
    },
    get paused() {
      return paused;
    },
    set paused(on: boolean) {
      if (paused === on) return;
      paused = on;
      notify();
    },
  };
}

export interface FeedContextValue {
  feed: Feed;
  /** null until the page has serve's access token. */
  client: ServeClient | null;
  /** The session the page follows (live or a replay), or null. */
  sessionId: string | null;
}

/** null outside the App's provider (views then show nothing). */
export const FeedContext = createContext<FeedContextValue | null>(null);

const NO_EVENTS: readonly FeedEvent[] = [];
const noSubscription = () => () => undefined;
const noEvents = () => NO_EVENTS;

/** The feed's events, re-rendering on change. */
export function useFeedEvents(): readonly FeedEvent[] {
  const feed = useContext(FeedContext)?.feed;
  return useSyncExternalStore(feed ? feed.subscribe : noSubscription, feed ? feed.getSnapshot : noEvents, feed ? feed.getSnapshot : noEvents);
}
