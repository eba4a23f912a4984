import { describe, expect, it } from 'vitest';
import { closeNames, didYouMean } from './didYouMean.js';

describe('didYouMean', () => {
  it('suggests a name one or two edits away', () => {
    expect(didYouMean('get_wether', ['get_weather', 'delete_everything'])).toBe(' (did you mean "get_weather"?)');
    expect(didYouMean('tokn', ['token', 'tokenEnv', 'label'])).toBe(' (did you mean "token"?)');
  });

  it('lists several close names, closest first, and a name that differs only in case', () => {
    expect(closeNames('timeut', ['timeouts', 'timeout', 'label'])).toEqual(['timeout', 'timeouts']);
    expect(didYouMean('Timeoutms', ['timeoutMs', 'toolTimeoutsMs'])).toBe(' (did you mean "timeoutMs"?)');
    expect(didYouMean('urls', ['url', 'uri'])).toBe(' (did you mean "url"?)');
  });

  it('says nothing when no name is close enough to be a typo', () => {
    expect(didYouMean('weather', ['delete_everything', 'label'])).toBe('');
    // Short names allow one edit only: "ab" is not a typo of "xy".
    expect(didYouMean('ab', ['xy', 'a'])).toBe(' (did you mean "a"?)');
    expect(didYouMean('ab', ['xy'])).toBe('');
    expect(didYouMean('same', ['same'])).toBe('');
  });
});
