// Opening a listening socket, with a failure that says in words which address could not be taken,
// why, and which setting chooses it: a busy port is the commonest first-run mistake. Each reason
// ends a sentence; the hint follows it.
import { chmod, lstat, unlink } from 'node:fs/promises';
import type { Server } from 'node:net';
import { connect } from 'node:net';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is in use (EADDRINUSE); is another gate or app running there?',
  EACCES: 'permission denied (EACCES); ports below 1024, and folders the gate may not write, need privileges.',
  EADDRNOTAVAIL: 'this machine has no such address (EADDRNOTAVAIL).',
  ENOTFOUND: 'the host name does not resolve (ENOTFOUND).',
  ENOENT: "the socket's folder does not exist (ENOENT).",
};

export class ListenError extends Error {
  constructor(
    readonly address: string,
    readonly reason: string,
    readonly hint: string,
    options?: ErrorOptions,
  ) {
    super(`cannot listen on ${address}: ${reason} ${hint}`, options);
    this.name = 'ListenError';
  }

  /** The same failure, pointing at another setting (the demo's PORT rather than server.listen). */
  withHint(hint: string): ListenError {
    return new ListenError(this.address, this.reason, hint, { cause: this.cause });
  }
}

/** Listens on host:port; rejects with a ListenError whose hint names the setting to change. */
export function listen(server: Server, listenOn: { host: string; port: number }, hint: string): Promise<void> {
  const address = listenOn.host.includes(':')
    ? `[${listenOn.host}]:${listenOn.port}`
    : `${listenOn.host}:${listenOn.port}`;
  return opened(server, address, hint, (done) => server.listen(listenOn.port, listenOn.host, done));
}

/** Runs `start` (a server.listen call); its error becomes a ListenError naming `address`, in words. */
function opened(server: Server, address: string, hint: string, start: (done: () => void) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      const reason = REASONS[err.code ?? ''] ?? `${err.code ?? err.message}.`;
      reject(new ListenError(address, reason, hint, { cause: err }));
    };
    server.once('error', onError);
    start(() => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}

/**
 * Listens on a Unix socket at `path` and gives it `mode`. A socket file left by a gate that died
 * is replaced; one another process still answers on, or a file that is not a socket, is an error.
 */
export async function listenOnSocket(
  server: Server,
  socket: { path: string; mode: number },
  hint: string,
): Promise<void> {
  const address = `unix:${socket.path}`;
  const fail = (reason: string, cause?: unknown) => new ListenError(address, reason, hint, { cause });
  const existing = await lstat(socket.path).catch(() => undefined);
  if (existing && !existing.isSocket()) throw fail('a file that is not a socket is there; move it away.');
  if (existing) {
    if (await answers(socket.path)) throw fail('another process listens there; is another gate running?');
    await unlink(socket.path);
  }
  await opened(server, address, hint, (done) => server.listen(socket.path, done));
  await chmod(socket.path, socket.mode);
}

/** Whether something accepts connections on the socket file. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
