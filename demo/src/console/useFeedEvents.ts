import { useMemo, useSyncExternalStore } from 'react';
import type { FeedEvent } from '../model/feed';

const EMPTY: readonly FeedEvent[] = [];
const emptySnapshot = () => EMPTY;
const noSubscription = () => () => {};

interface FeedLike {
  subscribe(listener: () => void): () => void;
  getSnapshot(): readonly FeedEvent[];
}

/** The feed's events (none without a feed), re-rendering on each change; methods called on the feed, never detached. */
export function useFeedEvents(feed: FeedLike | null | undefined): readonly FeedEvent[] {
  const [subscribe, getSnapshot] = useMemo(
    () => (feed ? [(listener: () => void) => feed.subscribe(listener), () => feed.getSnapshot()] : [noSubscription, emptySnapshot]),
    [feed],
  );
  return useSyncExternalStore(subscribe, getSnapshot, getSnapshot);
}
