// Baseline: bare http-proxy with the same keep-alive agent the gate uses, nothing else.
// Usage: bare-proxy.ts UPSTREAM_URL. Prints "listening PORT".
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createProxyServer } from 'http-proxy-3';

const proxy = createProxyServer({ target: process.argv[2], agent: new http.Agent({ keepAlive: true }), xfwd: false });
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
