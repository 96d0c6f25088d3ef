// Baseline: bare http-proxy with the same keep-alive agent and server defaults the gate uses,
// nothing else.
// Usage: bare-proxy.ts UPSTREAM_URL. Prints "listening PORT".
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import { createProxyServer } from 'http-proxy-3';

import { UPSTREAM_AGENT_OPTIONS } from '../../src/http/forward/upstreams.js';

const proxy = createProxyServer({
  target: process.argv[2],
  agent: new http.Agent(UPSTREAM_AGENT_OPTIONS),
  xfwd: false,
});
proxy.on('error', (_err, _req, res) => {
  if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end();
});
const server = http.createServer((req, res) => proxy.web(req, res));
server.listen(0, '127.0.0.1', () => console.log(`listening ${(server.address() as AddressInfo).port}`));
