// Baseline for forward-auth: the least a Node server can do to answer 200. Prints "listening PORT".
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const server = http.createServer((_req, res) => res.writeHead(200, { 'content-length': 0 }).end());
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
