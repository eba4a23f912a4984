import { execFile } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = join(import.meta.dirname, '..');
const tsx = join(root, 'node_modules/.bin/tsx');
const scratch = mkdtempSync(join(tmpdir(), 'codegen-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function codegen(...args: string[]): Promise<{ code: number; output: string }> {
  try {
    const { stdout, stderr } = await run(tsx, ['scripts/codegen.ts', ...args], { cwd: root });
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, output: failed.stdout + failed.stderr };
  }
}

describe('codegen --check', () => {
  it('passes on the committed generated files', async () => {
    const result = await codegen('--check');
    expect(result.output).toContain('up to date');
    expect(result.code).toBe(0);
  }, 60_000);

  it('fails, naming the stale files, when a schema changed without regenerating', async () => {
    const schemas = join(scratch, 'schemas');
    cpSync(join(root, 'src/protocol/schemas'), schemas, { recursive: true });
    const file = join(schemas, 'client-events.schema.json');
    const fragment = JSON.parse(readFileSync(file, 'utf8'));
    fragment.definitions.ResponseCancelEvent.description = 'Changed without running codegen.';
    writeFileSync(file, JSON.stringify(fragment));
    const result = await codegen('--check', '--schemas', schemas);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/Failed to verify the generated protocol code: .*types\.ts.* Please run `npm run codegen`/);
  }, 60_000);

  it('refuses a ref to a definition that does not exist', async () => {
    const schemas = join(scratch, 'broken');
    cpSync(join(root, 'src/protocol/schemas'), schemas, { recursive: true });
    const file = join(schemas, 'client-events.schema.json');
    const fragment = JSON.parse(readFileSync(file, 'utf8'));
    fragment.definitions.ResponseCancelEvent.properties.response_id = { $ref: '#/definitions/Nowhere' };
    writeFileSync(file, JSON.stringify(fragment));
    const result = await codegen('--check', '--schemas', schemas);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain('"#/definitions/Nowhere" points at no definition');
  }, 60_000);
});
