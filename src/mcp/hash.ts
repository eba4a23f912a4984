/**
 * Small, fast, deterministic hashes for names, versions and cache keys. Synchronous and
 * browser-safe (Web Crypto is async); they tell values apart, they do not protect them.
 */

/**
 * FNV-1a over UTF-16 code units (for ASCII, the same as over bytes). Seed 0 is plain FNV-1a;
 * other seeds give independent lanes.
 */
export function fnv1a32(input: string, seed = 0): number {
  let hash = (0x811c9dc5 ^ Math.imul(seed, 0x9e3779b1)) >>> 0;
  for (let index = 0; index < input.length; index++) {
    hash ^= input.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Two 32-bit lanes in base 36 (14 characters): enough to tell tool versions and credentials apart. */
export function hashText(text: string): string {
  return fnv1a32(text, 0).toString(36).padStart(7, '0') + fnv1a32(text, 1).toString(36).padStart(7, '0');
}
