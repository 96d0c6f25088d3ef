// Bench upstream: answers a small body at once and swallows uploads. Prints "listening PORT".
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.from('hello from upstream\n');
const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => res.end(String(bytes)));
    return;
  }
  res.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  res.end(body);
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
