/** `--name N` on a benchmark's command line: a positive integer, or the fallback when absent. */
export function positiveIntegerFlag(bench: string, name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  if (at < 0) return fallback;
  const value = Number(process.argv[at + 1]);
  if (!Number.isInteger(value) || value <= 0) throw new Error(`Failed to run ${bench}: ${name} needs a positive integer. Please pass e.g. ${name} ${fallback}.`);
  return value;
}
