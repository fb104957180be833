// The JSON body's nesting check counts brackets outside strings only, escapes included.
import { describe, expect, it } from 'vitest';
import { nestedDeeperThan } from '../../src/api/jsonBody.js';

describe('nestedDeeperThan', () => {
  it('counts arrays and objects, up to and over the limit', () => {
    expect(nestedDeeperThan('{"a":[{"b":[]}]}', 4)).toBe(false);
    expect(nestedDeeperThan('{"a":[{"b":[]}]}', 3)).toBe(true);
    expect(nestedDeeperThan('[[],[],[]]', 2)).toBe(false);
  });

  it('ignores brackets inside strings, whatever their escapes', () => {
    expect(nestedDeeperThan(JSON.stringify({ a: '[[[[{{{{' }), 1)).toBe(false);
    expect(nestedDeeperThan(JSON.stringify({ a: 'quote " then [[[[' }), 1)).toBe(false);
    // A string ending in a backslash: the quote after it closes the string, so the brackets count.
    expect(nestedDeeperThan(`{"a":"\\\\","b":[[[]]]}`, 3)).toBe(true);
  });
});
