/**
 * The repository's `recordings/*.jsonl`, bundled with the page and loaded only when chosen (each is
 * its own chunk), so the demo replays them with no file at hand.
 */
const modules = import.meta.glob('../../../recordings/*.jsonl', { query: '?raw', import: 'default' }) as Record<string, () => Promise<unknown>>;

export interface BundledRecording {
  /** The file name without `.jsonl`: `single-call`. */
  name: string;
  load(): Promise<string>;
}

export const bundledRecordings: readonly BundledRecording[] = Object.entries(modules)
  .map(([path, load]) => ({
    name: (path.split('/').pop() ?? path).replace(/\.jsonl$/, ''),
    load: async () => {
      const text = await load();
      if (typeof text !== 'string') throw new Error(`Failed to load the recording ${path}: the bundle gave no text. Please rebuild the demo.`);
      return text;
    },
  }))
  .sort((a, b) => a.name.localeCompare(b.name, 'en'));
