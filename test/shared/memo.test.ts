import { describe, expect, it } from 'vitest';

import { memoized } from '../../src/shared/memo.js';

describe('memoized', () => {
  it('answers a text asked before without working it out again', () => {
    const asked: string[] = [];
    const shout = memoized((text) => {
      asked.push(text);
      return text.toUpperCase();
    });
    expect([shout('a'), shout('b'), shout('a')]).toEqual(['A', 'B', 'A']);
    expect(asked).toEqual(['a', 'b']);
  });

  it('keeps only the answers asked most recently', () => {
    const asked: string[] = [];
    const shout = memoized((text) => {
      asked.push(text);
      return text.toUpperCase();
    }, 2);
    for (const text of ['a', 'b', 'c', 'a']) shout(text);
    expect(asked).toEqual(['a', 'b', 'c', 'a']);
  });
});
