import http from 'node:http';
import { spawn } from 'node:child_process';
import { createProxyServer } from 'http-proxy-3';
const upstream = http.createServer((req, res) => { res.writeHead(200, { 'content-type': 'text/plain', 'content-length': 20 }); res.end('hello from upstream\n'); });
await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
const proxy = createProxyServer({ target: `http://127.0.0.1:${upstream.address().port}`, agent: new http.Agent({ keepAlive: true, timeout: 4000 }), xfwd: false });
const server = http.createServer((req, res) => proxy.web(req, res));
await new Promise((r) => server.listen(0, '127.0.0.1', r));
const run = (s) => new Promise((r) => spawn(process.execPath, ['node_modules/autocannon/autocannon.js', '-c', '50', '-d', String(s), `http://127.0.0.1:${server.address().port}/app`], { stdio: ['ignore', 'ignore', 'pipe'] }).on('exit', r));
await run(2);
if (process.env.IDLE) { await new Promise((r) => setTimeout(r, Number(process.env.IDLE) * 1000)); await run(1); }
console.log('MEASURE'); await run(4); console.log('END'); process.exit(0);
