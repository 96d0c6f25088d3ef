// Where frames end in a WebSocket byte stream (RFC 6455 §5.2), read from frame headers alone: a
// close frame the gate adds must go between two frames, never inside one. Control frames may come
// between the fragments of a message (§5.4), and compression touches payloads only, so any frame
// boundary is a place for one.

/** A close frame from a server (unmasked): code 1001, "going away" (§7.4.1). */
export const GOING_AWAY_FRAME = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

/** The longest header: 2 bytes, an 8-byte length and a 4-byte mask key. */
const MAX_HEADER = 14;

export class FrameBoundaries {
  private readonly header = Buffer.alloc(MAX_HEADER);
  private headerBytes = 0;
  /** Payload bytes of the current frame still to come. */
  private payloadLeft = 0;

  /** Whether the bytes seen so far end exactly where a frame ends. */
  get atBoundary(): boolean {
    return this.headerBytes === 0 && this.payloadLeft === 0;
  }

  /**
   * Reads `chunk` and returns how many of its bytes were taken: all of them, or with
   * `stopAtBoundary` only up to the first frame end (0 when already at one).
   */
  take(chunk: Buffer, stopAtBoundary = false): number {
    let i = 0;
    while (i < chunk.length && !(stopAtBoundary && this.atBoundary)) {
      if (this.payloadLeft > 0) {
        const n = Math.min(this.payloadLeft, chunk.length - i);
        this.payloadLeft -= n;
        i += n;
        continue;
      }
      this.header[this.headerBytes++] = chunk[i++]!;
      if (this.headerBytes >= 2 && this.headerBytes === headerLength(this.header)) {
        this.payloadLeft = payloadLength(this.header);
        this.headerBytes = 0;
      }
    }
    return i;
  }
}

function headerLength(header: Buffer): number {
  const length7 = header[1]! & 0x7f;
  const extended = length7 === 126 ? 2 : length7 === 127 ? 8 : 0;
  return 2 + extended + (header[1]! & 0x80 ? 4 : 0);
}

function payloadLength(header: Buffer): number {
  const length7 = header[1]! & 0x7f;
  if (length7 === 126) return header.readUInt16BE(2);
  if (length7 === 127) return header.readUInt32BE(2) * 2 ** 32 + header.readUInt32BE(6);
  return length7;
}
