// Remembers what a pure function of a text gave for the texts asked most recently. Only for work
// after a response is written: a remembered answer is faster, and on a sign-in's own path that
// speed would tell texts seen before (known people) from new ones.
import { LRUCache } from 'lru-cache';

/** `max`: how many answers are kept (the most recently asked). */
export function memoized<T extends NonNullable<unknown>>(work: (text: string) => T, max = 10_000): (text: string) => T {
  const answers = new LRUCache<string, T>({ max });
  return (text) => {
    let answer = answers.get(text);
    if (answer === undefined) {
      answer = work(text);
      answers.set(text, answer);
    }
    return answer;
  };
}
