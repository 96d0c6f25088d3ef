// Opening a listening socket, with a failure that says in words which address could not be taken,
// why, and which setting chooses it: a busy port is the commonest first-run mistake. Each reason
// ends a sentence; the hint follows it.
import type { Server } from 'node:net';

const REASONS: Record<string, string> = {
  EADDRINUSE: 'the address is in use (EADDRINUSE); is another gate or app running there?',
  EACCES: 'permission denied (EACCES); ports below 1024 need privileges.',
  EADDRNOTAVAIL: 'this machine has no such address (EADDRNOTAVAIL).',
  ENOTFOUND: 'the host name does not resolve (ENOTFOUND).',
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
  return new Promise((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException) => {
      reject(new ListenError(address, REASONS[err.code ?? ''] ?? `${err.code ?? err.message}.`, hint, { cause: err }));
    };
    server.once('error', onError);
    server.listen(listenOn.port, listenOn.host, () => {
      server.removeListener('error', onError);
      resolve();
    });
  });
}
