/**
 * `lazyImport`: `import()` of a package that a bundle must not contain. The CLI bundles the
 * simulator, and esbuild (tsup) pulls a literal `import('opusscript')` into the bundle as a 2.2 MB
 * chunk (measured); a module name held in a variable is left for Node to resolve at run time.
 * werift and opusscript are dev dependencies, needed only when the simulator answers WebRTC.
 */
import { ProxyError } from '../../src/errors.js';

export async function lazyImport<T>(name: string): Promise<T> {
  try {
    return (await import(name)) as T;
  } catch (cause) {
    throw new ProxyError(
      'not_supported',
      `Failed to answer the WebRTC offer: the simulator could not load ${name} (${cause instanceof Error ? cause.message : String(cause)}). Please install its WebRTC dependencies: npm install --save-dev werift@~0.24.4 opusscript.`,
      { cause },
    );
  }
}
