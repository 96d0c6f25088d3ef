// Baseline: bare http-proxy-3 with a keep-alive agent and server defaults, nothing else. It stays
// the baseline after the gate moved to undici (issue #24), so ratios compare with earlier runs.
// Usage: bare-proxy.ts UPSTREAM_URL. Prints "listening PORT".
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createProxyServer } from 'http-proxy-3';

// The agent the gate used with http-proxy: idle sockets dropped before Node's 5 s server timeout.
const agent = new http.Agent({ keepAlive: true, timeout: 4_000 });
const proxy = createProxyServer({ target: process.argv[2], agent, xfwd: false });
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
