import { describe, expect, it } from 'vitest';

import { FrameBoundaries } from '../../src/http/forward/websocket-frames.js';

/** An unmasked text frame with `n` payload bytes, its length written as RFC 6455 §5.2 says. */
function frame(n: number): Buffer {
  const head =
    n < 126
      ? Buffer.from([0x81, n])
      : n < 65536
        ? Buffer.from([0x81, 126, n >> 8, n & 0xff])
        : Buffer.concat([Buffer.from([0x81, 127]), bigLength(n)]);
  return Buffer.concat([head, Buffer.alloc(n, 'x')]);
}
const bigLength = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};

describe('WebSocket frame boundaries', () => {
  it.each([0, 5, 125, 126, 70_000])('find the end of a %i-byte frame fed a byte at a time', (n) => {
    const frames = new FrameBoundaries();
    const bytes = frame(n);
    const boundaries: number[] = [];
    for (let i = 0; i < bytes.length; i++) {
      if (frames.atBoundary) boundaries.push(i);
      frames.take(bytes.subarray(i, i + 1));
    }
    expect(boundaries).toEqual([0]);
    expect(frames.atBoundary).toBe(true);
  });

  it('stop at the first frame end when asked, so a close frame can go there', () => {
    const frames = new FrameBoundaries();
    const [first, second] = [frame(300), frame(10)];
    frames.take(first.subarray(0, 100));
    expect(frames.take(Buffer.concat([first.subarray(100), second]), true)).toBe(first.length - 100);
    expect(frames.atBoundary).toBe(true);
  });

  it('read a masked header (a client frame) at its full length', () => {
    const frames = new FrameBoundaries();
    const masked = Buffer.concat([Buffer.from([0x81, 0x80 | 3, 1, 2, 3, 4]), Buffer.from('abc')]);
    frames.take(masked.subarray(0, 8));
    expect(frames.atBoundary).toBe(false);
    frames.take(masked.subarray(8));
    expect(frames.atBoundary).toBe(true);
  });
});
