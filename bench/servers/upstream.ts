// Bench upstream: answers a small body at once, swallows uploads, and streams N MB from
// /public/download?mb=N. Prints "listening PORT".
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const body = Buffer.from('hello from upstream\n');
const block = Buffer.alloc(64 * 1024, 7);

function download(res: http.ServerResponse, bytes: number): void {
  res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': bytes });
  let left = bytes;
  const pump = () => {
    while (left > 0) {
      const n = Math.min(left, block.length);
      left -= n;
      if (!res.write(n === block.length ? block : block.subarray(0, n))) return void res.once('drain', pump);
    }
    res.end();
  };
  pump();
}

const server = http.createServer((req, res) => {
  const mb = /^\/public\/download\?mb=(\d+)$/.exec(req.url ?? '')?.[1];
  if (mb !== undefined) return download(res, Number(mb) * 1024 * 1024);
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
