// A WebSocket between a client and its upstream once both sides said 101: bytes piped both ways
// untouched, with the frame boundaries of the upstream's side kept track of, so that a gate going
// away can tell the client so (close code 1001) between two frames instead of cutting it mid-frame.
import type { Duplex } from 'node:stream';

import { FrameBoundaries, GOING_AWAY_FRAME } from './websocket-frames.js';

export class WebSocketTunnel {
  private readonly frames = new FrameBoundaries();
  private goingAway = false;

  constructor(
    private readonly client: Duplex,
    private readonly upstream: Duplex,
    onClose: () => void,
  ) {
    client.pipe(upstream);
    upstream.on('data', (chunk: Buffer) => this.toClient(chunk));
    client.on('drain', () => upstream.resume());
    upstream.on('end', () => client.end());
    // Either side gone: the other is ended (its last bytes still delivered), errors destroy both.
    client.on('close', () => {
      upstream.end();
      onClose();
    });
    upstream.on('close', () => client.end());
    const destroyBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on('error', destroyBoth);
    upstream.on('error', destroyBoth);
  }

  /**
   * Sends the client a close frame 1001 as soon as the frame in flight from the upstream has
   * passed, and ends the connection. Later upstream bytes are dropped; the client's answering close
   * frame still reaches the upstream, which so sees the WebSocket close cleanly too.
   */
  goAway(): void {
    if (this.goingAway) return;
    this.goingAway = true;
    if (this.frames.atBoundary) this.sayGoingAway();
  }

  /** Drops the upstream connection at once (the gate's last resort). */
  destroy(): void {
    this.upstream.destroy();
  }

  private toClient(chunk: Buffer): void {
    if (this.goingAway) {
      if (this.frames.atBoundary) return;
      const taken = this.frames.take(chunk, true);
      this.client.write(chunk.subarray(0, taken));
      if (this.frames.atBoundary) this.sayGoingAway();
      return;
    }
    this.frames.take(chunk);
    if (!this.client.write(chunk)) this.upstream.pause();
  }

  private sayGoingAway(): void {
    this.client.end(GOING_AWAY_FRAME);
    this.upstream.resume();
  }
}
