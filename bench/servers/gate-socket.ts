// The gate, plus a Unix socket whose connections its one HTTP server also takes: lets the
// forward-auth bench ask the same gate process over TCP and over a socket, so the two rows
// compare one process. A deployed gate listens on one or the other (server.listen: "unix:…").
// Usage: gate-socket.ts CONFIG SOCKET_PATH. Prints "on http://HOST:PORT" once both listen.
import net from 'node:net';

import { ROOT } from '../lib/processes.js';

// The compiled gate, as it ships (`npm run bench` builds it first): src/ through tsx's loader
// carries its transform's helpers on every request (~4 µs of CPU per forward-auth answer, measured).
const compiled = <T>(module: string) => import(`${ROOT}/dist/${module}`) as Promise<T>;
const { loadGate } = await compiled<typeof import('../../src/config/load-gate.js')>('config/load-gate.js');
const { startGate } = await compiled<typeof import('../../src/main/server.js')>('main/server.js');

const [configPath, socketPath] = process.argv.slice(2) as [string, string];
const { gate: loaded } = await loadGate(configPath, process.env);
const gate = await startGate(loaded);
// A socket's peer has no address; it is presented as loopback, the trusted proxy of the bench's config.
const socket = net.createServer((connection) => {
  Object.defineProperty(connection, 'remoteAddress', { value: '127.0.0.1' });
  gate.server.emit('connection', connection);
});
socket.listen(socketPath, () => console.log(`on ${gate.url}`));
process.once('SIGTERM', () => {
  socket.close();
  void gate.close().then(() => process.exit(0));
});
