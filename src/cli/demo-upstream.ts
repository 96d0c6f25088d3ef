// A tiny app to put behind the gate in the demo: it shows who the gate says you are.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export async function startDemoUpstream(port = 0): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const user = String(req.headers['remote-user'] ?? '');
    const name = String(req.headers['remote-name'] ?? '');
    const groups = String(req.headers['remote-groups'] ?? '');
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Demo app</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 36rem; margin: 2rem auto; padding: 0 1rem">
<h1>Demo app</h1>
${user ? `<p>The gate says you are <strong>${escape(name || user)}</strong> (${escape(user)}), groups: ${escape(groups || 'none')}.</p>` : '<p>This page is public: no sign-in needed.</p>'}
<p>You asked for <code>${escape(req.url ?? '/')}</code>. Try <a href="/public/">/public/</a> (no sign-in), <a href="/admin/">/admin/</a> (admins only), or <a href="/_gate/logout">sign out</a>.</p>
</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const { port: bound } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${bound}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
