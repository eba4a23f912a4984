/**
 * connect's flags over the config file: servers from both, in order; credentials from environment
 * variables the file or a flag names; every mistake a usage error (exit 2) that quotes no secret.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { parseConnectArgs, type ConnectOptions } from './connectArgs.js';
import { parseMcpStdioFlag } from './serverFlags.js';

const KEY = 'connect-args-KEY-secret';
const TOKEN = 'connect-args-TOKEN-secret';
let dir: string;
beforeAll(() => void (dir = mkdtempSync(join(tmpdir(), 'connect-args-'))));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let files = 0;
function configFile(config: object): string {
  const path = join(dir, `config-${files++}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}

const parse = (argv: string[], env: NodeJS.ProcessEnv = { OPENAI_API_KEY: KEY }): ConnectOptions => parseConnectArgs(argv, env);

function refusal(argv: string[], env: NodeJS.ProcessEnv = { OPENAI_API_KEY: KEY }): string {
  try {
    parse(argv, env);
  } catch (error) {
    expect(ProxyError.isInstance(error) && error.code).toBe('invalid_options');
    const message = (error as Error).message;
    expect(message).not.toContain(KEY);
    expect(message).not.toContain(TOKEN);
    return message;
  }
  return expect.fail(`took ${JSON.stringify(argv)}`);
}

const usage = (why: string) => `Failed to start connect: ${why}. Please see \`realtime-mcp-proxy connect --help\`.`;

describe('connect --config', () => {
  it('maps the file to the proxy options, reading each secret from the variable it names', () => {
    const path = configFile({
      realtime: { url: 'wss://realtime.example/v1/realtime', apiKeyEnv: 'MY_KEY' },
      servers: [
        { label: 'web', url: 'https://mcp.example/mcp', tokenEnv: 'WEB_TOKEN', headers: { 'Notion-Version': '1' }, headersFromEnv: { 'X-Api-Key': 'WEB_KEY' }, allowedTools: ['fetch'], timeoutMs: 5000, treatNoValidSessionAsExpired: true },
        { label: 'mem', command: 'npx', args: ['-y', 'server-memory'], envFromEnv: { STRIPE_SECRET_KEY: 'STRIPE' }, stderr: 'inherit' },
      ],
      approval: { mode: 'auto', tools: { 'mem/read_graph': 'never' } },
      instructions: 'Be brief.',
      session: { output_modalities: ['text'] },
      prefixToolNames: true,
      timeouts: { defaultMs: 2000, configureMs: 3000 },
      toolLimits: { maxTools: 10 },
    });
    const options = parse(['--config', path], { MY_KEY: KEY, WEB_TOKEN: TOKEN, WEB_KEY: 'web-key', STRIPE: 'stripe-key' });
    expect(options).toEqual({
      url: 'wss://realtime.example/v1/realtime',
      apiKey: KEY,
      servers: [
        { label: 'web', url: 'https://mcp.example/mcp', token: TOKEN, headers: { 'Notion-Version': '1', 'X-Api-Key': 'web-key' }, allowedTools: ['fetch'], timeoutMs: 5000, treatNoValidSessionAsExpired: true },
        { label: 'mem', command: 'npx', args: ['-y', 'server-memory'], env: { STRIPE_SECRET_KEY: 'stripe-key' }, stderr: 'inherit' },
      ],
      approval: 'auto',
      approvalTools: { 'mem/read_graph': 'never' },
      instructions: 'Be brief.',
      session: { output_modalities: ['text'] },
      prefixToolNames: true,
      timeoutMs: 2000,
      configureMs: 3000,
      toolLimits: { maxTools: 10 },
      json: false,
      warnings: [],
    });
  });

  it('lets flags override the file and add servers after its own', () => {
    const path = configFile({ servers: [{ label: 'web', url: 'https://mcp.example/mcp', tokenEnv: 'UNSET_TOKEN' }], approval: { mode: 'auto' }, timeouts: { defaultMs: 2000 } });
    const options = parse(['--config', path, '--mcp', 'b=http://127.0.0.1:9/mcp', '--mcp-token', 'web=WEB_TOKEN', '--approval', 'never', '--timeout', '500', '--realtime-url', 'wss://other.example/v1'], {
      OPENAI_API_KEY: KEY,
      WEB_TOKEN: TOKEN,
    });
    // The file's UNSET_TOKEN is not needed: the flag names another variable.
    expect(options.servers).toEqual([
      { label: 'web', url: 'https://mcp.example/mcp', token: TOKEN },
      { label: 'b', url: 'http://127.0.0.1:9/mcp' },
    ]);
    expect(options).toMatchObject({ approval: 'never', timeoutMs: 500, url: 'wss://other.example/v1' });
  });

  it('names the file, the JSON path and the variable when a variable it names is not set', () => {
    const path = configFile({ servers: [{ label: 'web', url: 'https://mcp.example/mcp', tokenEnv: 'GITHUB_TOKEN', headersFromEnv: { 'X-Key': 'WEB_KEY' } }] });
    expect(refusal(['--config', path])).toBe(
      `Failed to read the config file ${path}: /servers/0/tokenEnv names the environment variable GITHUB_TOKEN, which is not set; /servers/0/headersFromEnv/X-Key names the environment variable WEB_KEY, which is not set. Please set them before starting (or give the value with a flag: see connect --help).`,
    );
    const keyed = configFile({ realtime: { apiKeyEnv: 'MY_KEY' }, servers: [{ label: 'a', url: 'http://127.0.0.1:9/mcp' }] });
    expect(refusal(['--config', keyed], {})).toBe(`Failed to read the config file ${keyed}: /realtime/apiKeyEnv names the environment variable MY_KEY, which is not set. Please set it, or give --api-key.`);
  });

  it('refuses a label given twice, in the file and on the command line', () => {
    const path = configFile({ servers: [{ label: 'web', url: 'https://mcp.example/mcp' }] });
    expect(refusal(['--config', path, '--mcp', 'web=http://127.0.0.1:9/mcp'])).toBe(
      usage(`--mcp web=…: the label "web" is already taken by /servers/0 in ${path} (labels name servers in "server/tool" keys: give each server its own)`),
    );
    expect(refusal(['--mcp', 'a=http://127.0.0.1:9/mcp', '--mcp-stdio', 'a=npx server'])).toContain('--mcp-stdio a=…: the label "a" is already taken by --mcp a=…');
  });
});

describe('connect server flags', () => {
  const one = ['--mcp', 'web=http://127.0.0.1:9/mcp'];

  it('--mcp-token and --mcp-header-env read the variables; --mcp-header takes the value and warns for a credential', () => {
    const options = parse([...one, '--mcp-token', 'web=WEB_TOKEN', '--mcp-header-env', 'web:X-Api-Key=WEB_KEY', '--mcp-header', 'web:Accept=text/plain', '--mcp-header', 'web:X-Auth-Token=inline'], {
      OPENAI_API_KEY: KEY,
      WEB_TOKEN: TOKEN,
      WEB_KEY: 'web-key',
    });
    expect(options.servers).toEqual([{ label: 'web', url: 'http://127.0.0.1:9/mcp', token: TOKEN, headers: { 'X-Api-Key': 'web-key', Accept: 'text/plain', 'X-Auth-Token': 'inline' } }]);
    expect(options.warnings).toEqual([
      '--mcp-header web:X-Auth-Token puts a credential on the command line, where process listings show it. Please use --mcp-header-env web:X-Auth-Token=ENV_VAR, or a config file with "headersFromEnv".',
    ]);
  });

  it('--mcp-token takes a variable name, and never echoes a token given in its place', () => {
    expect(refusal([...one, '--mcp-token', `web=${TOKEN}`])).toBe(
      usage('--mcp-token web= takes the name of the environment variable that holds the token, not the token itself (a flag shows in process listings): e.g. --mcp-token web=WEB_TOKEN'),
    );
    // A token shaped like a variable name: not found, and not quoted back.
    expect(refusal([...one, '--mcp-token', 'web=ghp_abcDEF123secret'])).toBe(
      usage('--mcp-token web: no environment variable of the name given is set (give the name of a variable that holds the secret, not the secret)'),
    );
    expect(refusal([...one, '--mcp-token', 'web=GITHUB_TOKEN'])).toBe(usage('--mcp-token web: the environment variable GITHUB_TOKEN is not set'));
  });

  it('refuses a flag for a server that is not there, with the label it may have meant', () => {
    expect(refusal([...one, '--mcp-token', 'webb=T'])).toBe(usage('--mcp-token webb names the server "webb", and there is none (did you mean "web"?)'));
    expect(refusal([...one, '--mcp-header', 'other:X-A=1'])).toBe(usage('--mcp-header other:X-A names the server "other", and there is none (the servers: web)'));
    expect(refusal(['--mcp-stdio', 'mem=npx server', '--mcp-token', 'mem=T'])).toBe(usage('--mcp-token mem: "mem" is a stdio server, which takes no HTTP headers or token'));
    expect(refusal([...one, '--mcp-header', 'web:Bad Name=1'])).toContain('--mcp-header web:… takes label:Name=Value, with a header name');
    expect(refusal([...one, '--mcp-header-env', 'web:X-Key=not a name'])).toContain('takes the name of an environment variable');
  });

  it('--mcp-stdio splits the command like a shell, expands nothing and refuses shell syntax', () => {
    expect(parseMcpStdioFlag(`fs=npx -y "@modelcontextprotocol/server-filesystem" '/tmp/a dir' b\\ c`)).toEqual({
      label: 'fs',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-filesystem', '/tmp/a dir', 'b c'],
    });
    const refused = (spec: string) => refusal(['--mcp-stdio', spec]);
    expect(refused('fs=npx server $HOME')).toContain('--mcp-stdio fs: $HOME would not be expanded (no shell runs the command)');
    expect(refused('fs=npx server | tee log')).toContain('"|" is a shell operator');
    expect(refused('fs=npx server *.json')).toContain('"*.json" is a pattern no shell will expand here');
    expect(refused('fs=')).toContain('--mcp-stdio fs= names no command');
    expect(refused('npx server')).toContain('is not label=command');
    expect(parse(['--mcp-stdio', 'mem=npx -y server-memory']).servers).toEqual([{ label: 'mem', command: 'npx', args: ['-y', 'server-memory'] }]);
  });
});

describe('connect checks', () => {
  const one = ['--mcp', 'web=http://127.0.0.1:9/mcp'];

  it.each([
    ['99999999999', 'overflows setTimeout'],
    ['0', 'is no deadline'],
    ['1.5', 'is not whole'],
    ['-1', 'is negative'],
    ['abc', 'is no number'],
    ['3600001', 'is past an hour'],
  ])('--timeout %s is refused (it %s), with the bounds', (value) => {
    expect(refusal([...one, `--timeout=${value}`])).toBe(usage(`--timeout must be a whole number of milliseconds from 1 to 3600000 (1 hour), not "${value}"`));
  });

  it('--timeout takes the bounds themselves', () => {
    expect(parse([...one, '--timeout', '1']).timeoutMs).toBe(1);
    expect(parse([...one, '--timeout', '3600000']).timeoutMs).toBe(3_600_000);
  });

  it('--allow must name a tool', () => {
    expect(refusal([...one, '--allow', ','])).toBe(usage('--allow names no tool (give label/tool keys separated by commas, e.g. --allow weather/get_forecast,weather/get_alerts)'));
    expect(parse([...one, '--allow', ' web/a, ,web/b ']).allow).toEqual(['web/a', 'web/b']);
  });

  it('needs no key for ws:// on loopback, and warns when a key goes over plain ws:// elsewhere', () => {
    for (const url of ['ws://127.0.0.1:4000/v1/realtime', 'ws://localhost:4000/v1/realtime', 'ws://[::1]:4000/v1/realtime']) {
      const options = parse([...one, '--realtime-url', url], {});
      expect(options.apiKey).toBeUndefined();
      expect(options.warnings).toEqual([]);
    }
    expect(refusal([...one, '--realtime-url', 'wss://127.0.0.1:4000/v1/realtime'], {})).toContain('no API key');
    expect(refusal([...one, '--realtime-url', 'ws://192.0.2.1:4000/v1/realtime'], {})).toContain('no API key');
    const remote = parse([...one, '--realtime-url', 'ws://realtime.example:4000/v1/realtime']);
    expect(remote.warnings).toEqual(['The API key goes to realtime.example over plain ws://, unencrypted: anyone on the way can read it. Please use a wss:// URL.']);
    expect(parse([...one, '--api-key', KEY], {}).warnings).toEqual(['--api-key puts the key on the command line, where process listings show it. Please set OPENAI_API_KEY instead.']);
  });

  it('says what gives servers when none is given', () => {
    expect(refusal([])).toBe(usage('no MCP server (give --mcp label=url, --mcp-stdio "label=command …" or --config FILE with "servers")'));
  });
});
