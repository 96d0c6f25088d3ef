// Forward-auth decisions per second through a real nginx, with and without the decision cache
// (docs/forward-auth/nginx.conf vs nginx-cached.conf). Not part of `npm test`. Needs Debian's
// nginx and wrk. Run: npx tsx bench/forward-auth.ts [seconds=10] [connections=50]
// The gate runs in this process (log silent); wrk, nginx and a trivial upstream run apart.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { browser, signIn } from '../test/helpers/browser.js';
import { freePort, startNginx } from '../test/helpers/front-proxy.js';
import { startTestGate } from '../test/helpers/gate.js';

const run = promisify(execFile);
const seconds = Number(process.argv[2] ?? 10);
const connections = Number(process.argv[3] ?? 50);
const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const WRK = ['/usr/bin/wrk', '/usr/local/bin/wrk'].find((p) => existsSync(p));
if (!NGINX || !WRK) throw new Error('bench: needs nginx and wrk (apt-get install nginx wrk)');

// A trivial upstream in its own process, so the gate's figures are the gate's.
const upstreamPort = await freePort();
const upstream = spawn(
  process.execPath,
  ['-e', `require('http').createServer((q, s) => s.end('ok')).listen(${upstreamPort}, '127.0.0.1')`],
  { stdio: 'ignore' },
);
await new Promise((r) => setTimeout(r, 300));
const upstreamUrl = `http://127.0.0.1:${upstreamPort}`;

const gate = await startTestGate({
  upstream: upstreamUrl,
  server: 'listen: "127.0.0.1:0"\ninsecure_http: true\ntrusted_proxies: ["127.0.0.1/32"]',
});
const res = await signIn(gate, browser(gate), 'alice');
const cookie = (res.headers['set-cookie'] as unknown as string[])
  .find((c) => c.startsWith('otp_gate='))!
  .split(';')[0]!;

// 50 different asset paths, round robin: what a page load looks like, not one URL hammered.
const dir = mkdtempSync(join(tmpdir(), 'otp-gate-bench-'));
const script = join(dir, 'paths.lua');
writeFileSync(
  script,
  `
local i = 0
request = function()
  i = (i % 50) + 1
  return wrk.format("GET", "/docs/asset-" .. i .. ".js", { ["Cookie"] = "${cookie}" })
end
`,
);

async function measure(snippet: string): Promise<string> {
  const nginx = await startNginx(NGINX!, snippet, gate.url, upstreamUrl);
  try {
    await run(WRK!, ['-t1', '-c4', '-d2s', '-s', script, nginx.url]); // warm-up
    const { stdout } = await run(WRK!, [
      '-t2',
      `-c${connections}`,
      `-d${seconds}s`,
      '--latency',
      '-s',
      script,
      nginx.url,
    ]);
    return stdout;
  } finally {
    await nginx.stop();
  }
}

const pick = (out: string, re: RegExp) => re.exec(out)?.[1] ?? '?';
const rows: string[] = [];
for (const [name, snippet] of [
  ['auth_request, no cache', 'nginx.conf'],
  ['auth_request + 5 s cache', 'nginx-cached.conf'],
] as const) {
  const out = await measure(snippet);
  if (/Non-2xx/.test(out)) console.error(`warning: ${name} saw non-2xx answers:\n${out}`);
  rows.push(
    `| ${name} | ${pick(out, /Requests\/sec:\s+(\S+)/)} | ${pick(out, /50%\s+(\S+)/)} | ${pick(out, /99%\s+(\S+)/)} |`,
  );
}
console.log(
  `\nwrk -t2 -c${connections} -d${seconds}s, 50 asset paths round robin, signed-in cookie (node ${process.version})\n`,
);
console.log('| setup | requests/s | p50 | p99 |\n| --- | --- | --- | --- |');
console.log(rows.join('\n'));

await gate.close();
upstream.kill();
