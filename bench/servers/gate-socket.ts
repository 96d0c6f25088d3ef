// The gate, plus a Unix socket whose connections its one HTTP server also takes: lets the
// forward-auth bench ask the same gate process over TCP and over a socket. The gate itself listens
// on host:port only; this is how the bench measures what a socket would win.
// Usage: gate-socket.ts CONFIG SOCKET_PATH. Prints "on http://HOST:PORT" once both listen.
import net from 'node:net';

import { loadGate } from '../../src/config/load-gate.js';
import { startGate } from '../../src/main/server.js';

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
