import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FUNCTION_NAME_PATTERN, mapToolNames, type QualifiedToolName } from './names.js';

const hashed = (base: string) => new RegExp(`^${base}_[0-9a-z]{6}$`);

describe('mapToolNames', () => {
  it('keeps a valid name that no other tool shares', () => {
    const names = mapToolNames([
      { server: 'everything', tool: 'echo' },
      { server: 'everything', tool: 'get-sum' },
    ]);
    expect(names.functionName('everything', 'echo')).toBe('echo');
    expect(names.functionName('everything', 'get-sum')).toBe('get-sum');
    expect(names.resolve('echo')).toEqual({ server: 'everything', tool: 'echo' });
    expect(names.size).toBe(2);
  });

  it('replaces dots, slashes, spaces and unicode with "_", one per character', () => {
    const names = mapToolNames([
      { server: 's', tool: 'files.read' },
      { server: 's', tool: 'repo/issues list' },
      { server: 's', tool: 'météo🌦' },
    ]);
    expect(names.functionName('s', 'files.read')).toBe('files_read');
    expect(names.functionName('s', 'repo/issues list')).toBe('repo_issues_list');
    expect(names.functionName('s', 'météo🌦')).toBe('m_t_o_');
    expect(names.resolve('files_read')).toEqual({ server: 's', tool: 'files.read' });
  });

  it('hashes every member of a collision group, not just the later ones', () => {
    const names = mapToolNames([
      { server: 's', tool: 'a.b' },
      { server: 's', tool: 'a_b' },
      { server: 's', tool: 'c' },
    ]);
    const dotted = names.functionName('s', 'a.b');
    const underscored = names.functionName('s', 'a_b');
    expect(dotted).toMatch(hashed('a_b'));
    expect(underscored).toMatch(hashed('a_b'));
    expect(dotted).not.toBe(underscored);
    expect(names.functionName('s', 'c')).toBe('c');
  });

  it('hashes a tool name that two servers share when there is no prefix', () => {
    const names = mapToolNames([
      { server: 'github', tool: 'search' },
      { server: 'jira', tool: 'search' },
    ]);
    const github = names.functionName('github', 'search')!;
    const jira = names.functionName('jira', 'search')!;
    expect(github).toMatch(hashed('search'));
    expect(jira).toMatch(hashed('search'));
    expect(github).not.toBe(jira);
    expect(names.resolve(github)).toEqual({ server: 'github', tool: 'search' });
    expect(names.resolve(jira)).toEqual({ server: 'jira', tool: 'search' });
  });

  it('prefixes every name with the server when asked, which resolves clashes between servers', () => {
    const names = mapToolNames(
      [
        { server: 'github', tool: 'search' },
        { server: 'jira', tool: 'search' },
        { server: 'my.server', tool: 'files.read' },
      ],
      { prefix: true },
    );
    expect(names.functionName('github', 'search')).toBe('github__search');
    expect(names.functionName('jira', 'search')).toBe('jira__search');
    expect(names.functionName('my.server', 'files.read')).toBe('my_server__files_read');
  });

  it('still hashes prefixed names that collide after sanitising', () => {
    const names = mapToolNames(
      [
        { server: 'a', tool: 'b.c' },
        { server: 'a', tool: 'b_c' },
      ],
      { prefix: true },
    );
    expect(names.functionName('a', 'b.c')).toMatch(hashed('a__b_c'));
    expect(names.functionName('a', 'b_c')).toMatch(hashed('a__b_c'));
  });

  it('cuts a name over 64 characters and adds a hash, even with no collision', () => {
    const tool = `${'x'.repeat(60)}.extra`;
    const names = mapToolNames([{ server: 's', tool }]);
    const functionName = names.functionName('s', tool)!;
    expect(functionName).toHaveLength(64);
    expect(functionName).toMatch(new RegExp(`^${'x'.repeat(57)}_[0-9a-z]{6}$`));
    expect(names.resolve(functionName)).toEqual({ server: 's', tool });
  });

  it('keeps a name of exactly 64 characters', () => {
    const tool = 'y'.repeat(64);
    expect(mapToolNames([{ server: 's', tool }]).functionName('s', tool)).toBe(tool);
  });

  it('gives long names that only differ after the cut different hashes', () => {
    const first = `${'x'.repeat(64)}first`;
    const second = `${'x'.repeat(64)}second`;
    const names = mapToolNames([
      { server: 's', tool: first },
      { server: 's', tool: second },
    ]);
    expect(names.functionName('s', first)).not.toBe(names.functionName('s', second));
  });

  it('turns an empty tool name into "_" and a hash, and keeps it reversible', () => {
    const names = mapToolNames([{ server: 's', tool: '' }]);
    const functionName = names.functionName('s', '')!;
    expect(functionName).toMatch(/^_[0-9a-z]{6}$/);
    expect(names.resolve(functionName)).toEqual({ server: 's', tool: '' });
  });

  it('gives an empty tool name its prefix and no hash when prefixing', () => {
    expect(mapToolNames([{ server: 's', tool: '' }], { prefix: true }).functionName('s', '')).toBe('s__');
  });

  it('hashes the same input the same way every time (FNV-1a of server NUL tool)', () => {
    const tool = `${'x'.repeat(62)}2rv1`;
    // Pinned: a change of hash renames tools in every running deployment.
    expect(mapToolNames([{ server: 's', tool }]).functionName('s', tool)).toBe(`${'x'.repeat(57)}_yskpgf`);
  });

  it('lengthens the hash when two hashes collide, deterministically', () => {
    // Found by brute force: both hash to "yskpgf" and share the cut base.
    const first = `${'x'.repeat(62)}2rv1`;
    const second = `${'x'.repeat(62)}he02`;
    const forward = mapToolNames([
      { server: 's', tool: first },
      { server: 's', tool: second },
    ]);
    const backward = mapToolNames([
      { server: 's', tool: second },
      { server: 's', tool: first },
    ]);
    expect(forward.functionName('s', first)).toBe(`${'x'.repeat(57)}_yskpgf`);
    expect(forward.functionName('s', second)).toMatch(new RegExp(`^${'x'.repeat(51)}_yskpgf[0-9a-z]{6}$`));
    expect([...backward.entries()]).toEqual([...forward.entries()]);
  });

  it('moves a hashed name out of the way of a tool that is literally called that', () => {
    const long = `${'x'.repeat(62)}2rv1`;
    const squatter = `${'x'.repeat(57)}_yskpgf`;
    const names = mapToolNames([
      { server: 'a', tool: long },
      { server: 'b', tool: squatter },
    ]);
    expect(names.functionName('b', squatter)).toBe(squatter);
    expect(names.functionName('a', long)).not.toBe(squatter);
    expect(names.functionName('a', long)).toMatch(FUNCTION_NAME_PATTERN);
  });

  it('keeps one entry for a pair listed twice', () => {
    const names = mapToolNames([
      { server: 's', tool: 'echo' },
      { server: 's', tool: 'echo' },
    ]);
    expect(names.size).toBe(1);
    expect(names.functionName('s', 'echo')).toBe('echo');
  });

  it('still finds free names when every hash length collides (same hash input, same base)', () => {
    // Splitting one string at each of its NULs gives pairs whose hash input and prefixed base are
    // all the same, so only the final counter can tell the last of them apart.
    const joined = `${'x'.repeat(60)}${'\u0000'.repeat(12)}`;
    const tools = Array.from({ length: 12 }, (_, index) => ({ server: joined.slice(0, 60 + index), tool: joined.slice(61 + index) }));
    const names = mapToolNames(tools, { prefix: true });
    const functionNames = tools.map(({ server, tool }) => names.functionName(server, tool)!);
    expect(new Set(functionNames).size).toBe(12);
    for (const functionName of functionNames) expect(functionName).toMatch(FUNCTION_NAME_PATTERN);
    expect(functionNames.filter((name) => /^x+_[0-9a-z]{6}[12]$/.test(name))).toHaveLength(2);
  });

  it('gives a tool named like a reserved (host) name the collision suffix, and never hands a reserved name out', () => {
    const reserved = new Set(['lookup', 'search_abc123']);
    const names = mapToolNames(
      [
        { server: 'a', tool: 'lookup' },
        { server: 'a', tool: 'other' },
      ],
      { reserved },
    );
    const lookup = names.functionName('a', 'lookup')!;
    expect(lookup).toMatch(hashed('lookup'));
    expect(names.functionName('a', 'other')).toBe('other');
    expect(names.resolve('lookup')).toBeUndefined();
    expect(names.resolve(lookup)).toEqual({ server: 'a', tool: 'lookup' });
    // The same tools without the reservation keep their plain names: only the reserved one moves.
    expect(mapToolNames([{ server: 'a', tool: 'lookup' }]).functionName('a', 'lookup')).toBe('lookup');
  });

  it('answers undefined for unknown names both ways', () => {
    const names = mapToolNames([{ server: 's', tool: 'echo' }]);
    expect(names.functionName('s', 'nope')).toBeUndefined();
    expect(names.functionName('other', 'echo')).toBeUndefined();
    expect(names.resolve('nope')).toBeUndefined();
  });

  it('lists entries sorted by server, then tool', () => {
    const names = mapToolNames([
      { server: 'b', tool: 'one' },
      { server: 'a', tool: 'two' },
      { server: 'a', tool: 'Three' },
    ]);
    expect([...names.entries()].map(([, name]) => `${name.server}/${name.tool}`)).toEqual(['a/Three', 'a/two', 'b/one']);
  });

  it('does not let the caller change a resolved name inside the map', () => {
    const names = mapToolNames([{ server: 's', tool: 'echo' }]);
    expect(() => {
      (names.resolve('echo') as QualifiedToolName).tool = 'other';
    }).toThrow(TypeError);
    expect(names.resolve('echo')).toEqual({ server: 's', tool: 'echo' });
  });
});

describe('mapToolNames properties', () => {
  // Small alphabets make collisions (a.b vs a_b, é vs _) common; long ASCII makes cuts common.
  const collidingName = fc.string({ unit: fc.constantFrom('a', 'b', '.', '_', '-', 'é', '/', ' '), maxLength: 4 });
  const longName = fc.string({ unit: 'grapheme-ascii', minLength: 60, maxLength: 130 });
  const anyName = fc.string({ unit: 'binary', maxLength: 130 });
  const toolName = fc.oneof(collidingName, longName, anyName);
  const serverName = fc.oneof(fc.constantFrom('github', 'jira', 'a', 'a.b', 'a_b'), fc.string({ unit: 'binary', maxLength: 20 }));
  const toolSet = fc
    .uniqueArray(serverName, { minLength: 1, maxLength: 3 })
    .chain((servers) => fc.array(fc.record({ server: fc.constantFrom(...servers), tool: toolName }), { maxLength: 30 }));
  const options = fc.record({ prefix: fc.boolean() });

  it('always produces valid function names', () => {
    fc.assert(
      fc.property(toolSet, options, (tools, opts) => {
        for (const [functionName] of mapToolNames(tools, opts).entries()) expect(functionName).toMatch(FUNCTION_NAME_PATTERN);
      }),
    );
  });

  it('gives distinct pairs distinct names, and resolves each name back to its pair', () => {
    fc.assert(
      fc.property(toolSet, options, (tools, opts) => {
        const names = mapToolNames(tools, opts);
        const distinct = new Set(tools.map(({ server, tool }) => JSON.stringify([server, tool])));
        expect(names.size).toBe(distinct.size);
        const functionNames = new Set<string>();
        for (const { server, tool } of tools) {
          const functionName = names.functionName(server, tool);
          expect(functionName).toBeDefined();
          expect(names.resolve(functionName!)).toEqual({ server, tool });
          functionNames.add(functionName!);
        }
        expect(functionNames.size).toBe(distinct.size);
      }),
    );
  });

  it('does not depend on the order of the input', () => {
    fc.assert(
      fc.property(
        toolSet.chain((tools) => fc.tuple(fc.constant(tools), fc.shuffledSubarray(tools, { minLength: tools.length }))),
        options,
        ([tools, shuffled], opts) => {
          expect([...mapToolNames(shuffled, opts).entries()]).toEqual([...mapToolNames(tools, opts).entries()]);
        },
      ),
    );
  });

  it('maps a valid name that no other tool shares after sanitising to itself', () => {
    const validName = fc.string({ unit: fc.constantFrom(...'abcAB019_-'), minLength: 1, maxLength: 64 });
    fc.assert(
      fc.property(toolSet, fc.constantFrom('github', 'jira'), validName, (tools, server, tool) => {
        const sanitised = (name: string) => name.replace(/[^a-zA-Z0-9_-]/gu, '_');
        const all = [...tools, { server, tool }];
        const shared = all.some((other) => (other.server !== server || other.tool !== tool) && sanitised(other.tool) === sanitised(tool));
        fc.pre(FUNCTION_NAME_PATTERN.test(tool) && !shared);
        expect(mapToolNames(all).functionName(server, tool)).toBe(tool);
      }),
    );
  });
});
