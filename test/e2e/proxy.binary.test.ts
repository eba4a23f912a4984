/**
 * No base64 reaches the model: real server-filesystem (stdio, on a temporary folder) answers
 * `read_media_file` with the image as base64 in `content` and in `structuredContent`; the
 * `function_call_output` the Realtime peer receives says what was there, and the host still gets
 * the whole result.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32, deflateSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { BASE64_RUN_LIMIT } from '../../src/mcp/binaryPayloads.js';
import { longestBase64Run } from '../support/longestBase64Run.js';
import { serverScripts } from '../support/mcpServers.js';
import { startE2E, useE2E } from './support.js';

useE2E();
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

/** A real PNG: `size`×`size` RGB pixels of noise (so it does not compress to nothing). */
function png(size: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB
  const rows: Buffer[] = [];
  let seed = 12345;
  for (let y = 0; y < size; y++) {
    const row = Buffer.alloc(1 + size * 3); // filter byte 0, then pixels
    for (let x = 1; x < row.length; x++) row[x] = (seed = (seed * 1103515245 + 12345) >>> 0) >>> 24;
    rows.push(row);
  }
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(Buffer.concat(rows))), chunk('IEND', Buffer.alloc(0))]);
}

describe('read_media_file on server-filesystem', () => {
  it('gives the model a placeholder with the type and size, and the host the image', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'rmp-media-'));
    folders.push(folder);
    const image = png(40);
    const file = join(folder, 'photo.png');
    writeFileSync(file, image);
    const e2e = await startE2E({
      proxy: { servers: [{ label: 'files', command: process.execPath, args: [serverScripts.filesystem, folder] }], allowedTools: ['files/read_media_file'] },
      script: [{ user: 'Show me the photo.' }, { callTool: { name: 'read_media_file', arguments: { path: file }, reply: 'It is {output}.' } }],
    });
    expect(await e2e.sim.done).toMatchObject({ ok: true });
    await e2e.quiesce();
    const [result] = e2e.results();
    expect(result?.code).toBe('ok');
    // The server really sent the image as base64 in structuredContent, far past the limit.
    const sent = JSON.stringify(result!.mcpResult!.structuredContent);
    expect(sent).toContain(image.toString('base64'));
    expect(longestBase64Run(sent)).toBeGreaterThan(4 * BASE64_RUN_LIMIT);
    const [output] = e2e.outputs();
    expect(longestBase64Run(output!.output)).toBeLessThanOrEqual(BASE64_RUN_LIMIT);
    expect(JSON.parse(output!.output)).toEqual({ content: [{ type: 'image', data: `[image/png data removed: ${image.length} bytes]`, mimeType: 'image/png' }] });
  }, 30_000);
});
