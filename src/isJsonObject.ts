/** A JSON object: not null, not an array (parsed JSON has no other objects). Shared by every layer. */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
