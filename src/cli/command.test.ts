/**
 * parseFlags: the one place where a command's flags are parsed and a bad one becomes a usage error.
 */
import { describe, expect, expectTypeOf, it } from 'vitest';
import { ProxyError } from '../errors.js';
import { parseFlags, usageError, type FlagRules } from './command.js';

const options = {
  out: { type: 'string' },
  json: { type: 'boolean' },
  mcp: { type: 'string', multiple: true },
} as const;

/** The message parseFlags throws for argv, or a failure when it throws none. */
function refusal(argv: string[], rules: FlagRules = {}): string {
  try {
    parseFlags('demo', argv, options, rules);
  } catch (error) {
    expect(ProxyError.isInstance(error) && error.code === 'invalid_options').toBe(true);
    return (error as Error).message;
  }
  expect.fail(`parseFlags took ${JSON.stringify(argv)}`);
}

const say = (why: string) => usageError('demo', why).message;

describe('parseFlags', () => {
  it('gives the values, typed from the options config', () => {
    const { values, positionals } = parseFlags('demo', ['--out', 'a.jsonl', '--json', '--mcp', 'a=x', '--mcp=b=y'], {
      out: { type: 'string' },
      json: { type: 'boolean' },
      mcp: { type: 'string', multiple: true },
    });
    expect(values).toEqual({ out: 'a.jsonl', json: true, mcp: ['a=x', 'b=y'] });
    expect(positionals).toEqual([]);
    expectTypeOf(values.out).toEqualTypeOf<string | undefined>();
    expectTypeOf(values.json).toEqualTypeOf<boolean | undefined>();
    expectTypeOf(values.mcp).toEqualTypeOf<string[] | undefined>();
    expectTypeOf(positionals).toEqualTypeOf<string[]>();
    // @ts-expect-error: a flag that is not in the config is not in the values either.
    void values.bogus;
  });

  it('leaves out the flags not given', () => {
    expect(parseFlags('demo', [], options).values).toEqual({});
  });

  it('takes a value that starts with "-" written as FLAG=VALUE', () => {
    expect(parseFlags('demo', ['--out=-x', '--mcp=-y'], options).values).toEqual({ out: '-x', mcp: ['-y'] });
  });

  it('refuses an unknown flag with node\'s message, long or short', () => {
    expect(refusal(['--bogus'])).toBe(say("Unknown option '--bogus'"));
    expect(refusal(['-x'])).toBe(say("Unknown option '-x'"));
  });

  it('says which flag needs a value when it comes last', () => {
    expect(refusal(['--json', '--out'])).toBe(say('--out needs a value'));
  });

  it('says how to write a value that starts with "-"', () => {
    const why = '--out needs a value (write a value that starts with "-" as --out=VALUE)';
    expect(refusal(['--out', '-x'])).toBe(say(why));
    expect(refusal(['--out', '--json'])).toBe(say(why));
    expect(refusal(['--mcp', '--out', 'a.jsonl'])).toBe(say('--mcp needs a value (write a value that starts with "-" as --mcp=VALUE)'));
  });

  it('refuses a value for a boolean flag', () => {
    expect(refusal(['--json=yes'])).toBe(say("Option '--json' does not take an argument"));
  });

  it('lets unknownFlag speak first for a flag the command does not take', () => {
    const rules = { unknownFlag: (flag: string) => (flag === '--mcp-server' ? `${flag} is spelled --mcp` : undefined) };
    expect(refusal(['--mcp-server', 'a=x'], rules)).toBe(say('--mcp-server is spelled --mcp'));
    expect(refusal(['--other'], rules)).toBe(say("Unknown option '--other'"));
    expect(refusal(['-q'], { unknownFlag: (flag) => `${flag}?` })).toBe(say('-q?'));
  });

  it('does not ask unknownFlag about a flag the command takes', () => {
    const asked: string[] = [];
    const unknownFlag = (flag: string) => {
      asked.push(flag);
      return 'unknown';
    };
    expect(refusal(['--out'], { unknownFlag })).toBe(say('--out needs a value'));
    expect(refusal(['--out', '-x'], { unknownFlag })).toContain('--out needs a value (write');
    expect(asked).toEqual([]);
  });

  it('refuses positional arguments unless told to take them', () => {
    expect(refusal(['--json', 'extra'])).toBe(say("Unexpected argument 'extra'. This command does not take positional arguments"));
    const { values, positionals } = parseFlags('demo', ['a.jsonl', '--json', 'b.jsonl', '--', '--c'], options, { positionals: true });
    expect(values).toEqual({ json: true });
    expect(positionals).toEqual(['a.jsonl', 'b.jsonl', '--c']);
  });

  it('leaves out node\'s advice on positionals, and the period before "Please see"', () => {
    expect(refusal(['--bogus'], { positionals: true })).toBe(say("Unknown option '--bogus'"));
    expect(refusal(['a.jsonl', '-x'], { positionals: true })).toBe(say("Unknown option '-x'"));
  });

  it('throws a bad options config as it is: a bug, not a usage error', () => {
    const bad = { n: { type: 'number' } } as unknown as typeof options;
    let thrown: unknown;
    try {
      parseFlags('demo', [], bad);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(Error);
    expect(ProxyError.isInstance(thrown)).toBe(false);
  });
});
