/**
 * The config file: every problem named by file and JSON path (exit 2 through main), the secrets
 * rule, and the published example valid against the published schema.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import realtimeSchema from '../protocol/generated/realtime.schema.json' with { type: 'json' };
import { loadConfigFile, parseConfigText } from './configFile.js';
import { configSchema } from './configSchema.js';

let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'config-file-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The message parseConfigText throws for `config` (JSON text or a value), or a failure when it takes it. */
function refusal(config: unknown): string {
  try {
    parseConfigText(typeof config === 'string' ? config : JSON.stringify(config), 'c.json', '/base');
  } catch (error) {
    expect(ProxyError.isInstance(error) && error.code).toBe('invalid_options');
    return (error as Error).message;
  }
  return expect.fail(`took ${JSON.stringify(config)}`);
}

const FIX = 'Please fix the file (its JSON Schema is realtime-mcp-proxy/schemas/config.schema.json).';
const http = (label: string, more: object = {}) => ({ label, url: `http://127.0.0.1:9/${label}`, ...more });

describe('the config file', () => {
  it('takes the complete example shipped in examples/, and resolves a relative cwd against the file', () => {
    const { config, path } = loadConfigFile('examples/realtime-mcp-proxy.json');
    expect(path).toBe(resolve('examples/realtime-mcp-proxy.json'));
    expect(config.servers?.map((server) => server.label)).toEqual(['github', 'notion', 'memory', 'stripe']);
    expect(config.servers?.[2]?.cwd).toBe(resolve('examples'));
    // Every top-level key of the schema is shown in the example.
    expect(Object.keys(config).filter((key) => key !== '$schema').sort()).toEqual(
      Object.keys(configSchema.properties).filter((key) => key !== '$schema' && key !== 'allowInlineSecrets').sort(),
    );
  });

  it('offers the session fields the proxy option takes: the Realtime session less type, tools and instructions', () => {
    const realtime = Object.keys(realtimeSchema.definitions.RealtimeSessionConfig.properties).filter((key) => !['type', 'tools', 'instructions'].includes(key));
    expect(Object.keys(configSchema.definitions.Session.properties)).toEqual(realtime);
  });

  it('says where the JSON is broken, without quoting the file', () => {
    const broken = refusal('{\n  "servers": [\n    {"label": "a", "token": "secret-TOKEN-abc" "url": "http://x"}\n  ]\n}');
    expect(broken).toBe("Failed to read the config file c.json: it is not valid JSON (Expected ',' or '}' after property value at line 3, column 48). Please fix the JSON.");
    // V8 quotes the text around some mistakes: the quote is left out (it may hold a secret).
    const quoted = refusal('{"allowInlineSecrets": true, "token": "secret-TOKEN-abc", "b": tru}');
    expect(quoted).toBe("Failed to read the config file c.json: it is not valid JSON (Unexpected token '}'). Please fix the JSON.");
    expect(quoted).not.toContain('secret-TOKEN');
    expect(refusal('')).toBe('Failed to read the config file c.json: it is not valid JSON (Unexpected end of JSON input). Please fix the JSON.');
  });

  it('refuses an unknown key, with its JSON path and the key it may have meant', () => {
    expect(refusal({ servers: [http('a'), http('b', { tokn: 'X' })] })).toBe(`Failed to read the config file c.json: /servers/1/tokn is not a known key (did you mean "token"?). ${FIX}`);
    expect(refusal({ server: [] })).toBe(`Failed to read the config file c.json: /server is not a known key (did you mean "servers" or "serve"?). ${FIX}`);
    expect(refusal({ timeouts: { bogus: 1 } })).toContain('/timeouts/bogus is not a known key (known keys: defaultMs, configureMs)');
  });

  it('reports every problem at once, each by path: types, enums, patterns, bounds, url xor command', () => {
    const message = refusal({
      servers: [
        { label: 'a b', url: 'ftp://x', timeoutMs: 99_999_999_999 },
        { label: 'b' },
        { label: 'c', url: 'http://x', command: 'npx' },
      ],
      approval: { mode: 'sometimes', tools: { get_weather: 'never' } },
      timeouts: { defaultMs: 1.5 },
      prefixToolNames: 'yes',
    });
    expect(message.replace(/^Failed to read the config file c\.json: /, '').replace(` ${FIX}`, '').split('; ')).toEqual([
      '/servers/0/label must be 1–32 characters of a-z, A-Z, 0-9, "_" or "-", not "a b"',
      '/servers/0/url must be an http:// or https:// URL, not "ftp://x"',
      '/servers/0/timeoutMs must be a whole number from 1 to 3600000, not 99999999999',
      '/servers/1 needs one of "url" or "command"',
      '/servers/2 has "url" and "command": give exactly one of them',
      '/approval/mode must be one of "never", "always", "auto", not "sometimes"',
      '/approval/tools has the key "get_weather", which must be a "server/tool" key',
      '/prefixToolNames must be boolean',
      '/timeouts/defaultMs must be a whole number from 1 to 3600000, not 1.5.',
    ]);
  });

  it('refuses two servers with the same label', () => {
    expect(refusal({ servers: [http('a'), http('b'), http('a')] })).toBe(
      `Failed to read the config file c.json: /servers/2/label "a" is also the label of /servers/0 (labels name servers in "server/tool" keys: give each its own). ${FIX}`,
    );
  });

  it('refuses a secret written in the file unless allowInlineSecrets is set, and never quotes it', () => {
    const token = 'inline-TOKEN-never-printed';
    const inline = refusal({ servers: [http('a', { token })] });
    expect(inline).toContain('/servers/0/token is a secret written in the file: name the environment variable that holds it with "tokenEnv" instead (or set "allowInlineSecrets": true at the top level)');
    expect(inline).not.toContain(token);
    expect(refusal({ servers: [http('a', { headers: { 'X-Api-Key': token, Accept: 'application/json' } })] })).toContain('/servers/0/headers/X-Api-Key is a credential written in the file: use "headersFromEnv"');
    expect(refusal({ servers: [{ label: 's', command: 'npx', env: { STRIPE_SECRET_KEY: token } }] })).toContain('/servers/0/env/STRIPE_SECRET_KEY is a credential written in the file: use "envFromEnv"');
    const allowed = parseConfigText(JSON.stringify({ allowInlineSecrets: true, servers: [http('a', { token, headers: { 'X-Api-Key': token } })] }), 'c.json', '/base');
    expect(allowed.servers?.[0]).toMatchObject({ token, headers: { 'X-Api-Key': token } });
  });

  it('refuses what a server of the other kind takes, and a setting given twice', () => {
    expect(refusal({ servers: [http('a', { args: ['x'] }), { label: 's', command: 'npx', tokenEnv: 'T' }] })).toBe(
      `Failed to read the config file c.json: /servers/0/args applies to a stdio server (with "command") only; /servers/1/tokenEnv applies to an HTTP server (with "url") only. ${FIX}`,
    );
    expect(refusal({ servers: [http('a', { headers: { accept: 'x' }, headersFromEnv: { Accept: 'ACCEPT' } })] })).toContain('/servers/0 sets the header "accept" in both "headers" and "headersFromEnv"');
    expect(refusal({ servers: [http('a', { token: 'x', tokenEnv: 'T' })], allowInlineSecrets: true })).toContain('/servers/0 has "token" and "tokenEnv": give one');
    expect(refusal({ servers: [http('a', { transport: 'stdio' })] })).toContain('/servers/0/transport "stdio" needs a "command"');
  });

  it('checks the session fields as strictly as the session.update that will carry them', () => {
    expect(refusal({ session: { audio: { output: { voce: 'marin' } } } })).toContain('/session/audio/output/voce is not a known field');
    expect(refusal({ session: { tools: [] } })).toContain('/session/tools is not a known key');
    expect(refusal({ session: { output_modalities: ['video'] } })).toContain('/session/output_modalities/0 must be one of "text", "audio", not "video"');
  });

  it('names the file when it cannot be read', () => {
    expect(() => loadConfigFile(join(dir, 'missing.json'))).toThrow(`Failed to read the config file ${join(dir, 'missing.json')}: there is no such file. Please check the path given to --config.`);
    expect(() => loadConfigFile(dir)).toThrow('it is a directory');
    writeFileSync(join(dir, 'ok.json'), JSON.stringify({ servers: [http('a')] }));
    expect(loadConfigFile(join(dir, 'ok.json')).config.servers).toEqual([http('a')]);
  });
});
