// Forward-auth end to end through a real nginx, as the shipped snippets configure it
// (docs/forward-auth/nginx.conf, nginx-cached.conf), against the same nginx site with
// auth_request off; the gate asked over TCP keep-alive (as shipped) and over a Unix socket; and
// /_gate/auth/nginx asked directly against a minimal Node responder given the same request.
// Part of `npm run bench`; alone, after `npm run build`: npx tsx bench/forward-auth.ts [--seconds 10] [--rounds 3] [--connections 50]
// Needs Debian's nginx. CPU µs/req counts nginx (master and worker) and the gate together.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import type { FrontProxy, NginxOptions } from '../test/helpers/front-proxy.js';
import { startNginx } from '../test/helpers/front-proxy.js';
import { imageNodeFlags } from '../test/helpers/image-command.js';
import type { Contender, Measured, Rounds } from './lib/alternate.js';
import { alternate } from './lib/alternate.js';
import { codeWaiter, loginOnce } from './lib/login-driver.js';
import { NGINX } from './lib/nginx.js';
import type { Child } from './lib/processes.js';
import { ROOT, startChild, startServer } from './lib/processes.js';
import type { Row } from './lib/report.js';
import { baselineRow, cpu, failures, fmt, latency, printTable, spread, verdict } from './lib/report.js';
import { writeWorkspace } from './lib/workspace.js';

/** The same site with the gate out of the way: what nginx costs on its own. */
const withoutAuth: NginxOptions['site'] = (site) => site.replace('auth_request /_otp_gate_auth;', 'auth_request off;');
/** The gate's upstream as a Unix socket instead of host:port. */
const overSocket =
  (path: string): NginxOptions['site'] =>
  (site) =>
    site.replace(/server \S+;(\s*# the gate)/, `server unix:${path};$1`);

interface Scenario {
  name: string;
  snippet: 'nginx.conf' | 'nginx-cached.conf';
  site?: NginxOptions['site'];
  path: string;
}

/** Every row: each nginx setup and the direct question, alternated round by round in one run. */
export async function forwardAuthRows(
  upstreamUrl: string,
  load: Rounds,
): Promise<{ rows: Row[]; results: Record<string, Measured> }> {
  if (!NGINX) return { rows: [['forward-auth through nginx', 'nginx not installed']], results: {} };
  const socket = join(mkdtempSync(join(tmpdir(), 'otp-gate-bench-socket-')), 'gate.sock');
  const config = writeWorkspace(upstreamUrl, { type: 'memory', maxEntries: 100_000 });
  const { child: gate, match } = await startChild(
    join(ROOT, 'bench', 'servers', 'gate-socket.ts'),
    [config, socket],
    /^on (http:\/\/\S+)/,
    imageNodeFlags(),
  );
  const gateUrl = match[1]!;
  const responder = await startServer('responder.ts');
  const proxies: FrontProxy[] = [];
  try {
    const cookie = await loginOnce(gateUrl, 'user0', codeWaiter(gate));
    const scenarios: Scenario[] = [
      { name: 'nginx alone', snippet: 'nginx.conf', site: withoutAuth, path: '/app/asset.js' },
      { name: 'auth_request', snippet: 'nginx.conf', path: '/app/asset.js' },
      { name: 'auth_request, socket', snippet: 'nginx.conf', site: overSocket(socket), path: '/app/asset.js' },
      { name: 'cached', snippet: 'nginx-cached.conf', path: '/app/asset.js' },
      { name: 'cached, new URLs', snippet: 'nginx-cached.conf', path: '/app/[<id>].js' },
    ];
    const contenders: Contender[] = [];
    for (const s of scenarios) {
      const nginx = await startNginx(NGINX, s.snippet, gateUrl, upstreamUrl, { quiet: true, site: s.site });
      proxies.push(nginx);
      const pid = s.name === 'nginx alone' ? nginx.pid : [nginx.pid, gate.process.pid!];
      contenders.push({ name: s.name, url: `${nginx.url}${s.path}`, headers: { cookie }, pid });
    }
    // What nginx sends the gate for one request (the snippet's proxy_set_header lines), to both.
    const asked = {
      cookie,
      'x-original-url': 'http://127.0.0.1/app/asset.js',
      'x-original-method': 'GET',
      'x-forwarded-for': '127.0.0.1',
      'x-request-id': '0123456789abcdef0123456789abcdef',
    };
    contenders.push(
      { name: 'direct', url: `${gateUrl}/_gate/auth/nginx`, headers: asked, pid: gate.process.pid! },
      { name: 'responder', url: responder.url, headers: asked, pid: responder.child.process.pid! },
    );
    const m = await alternate(contenders, load);
    return { rows: rowsOf(m), results: Object.fromEntries(m) };
  } finally {
    await Promise.all([...proxies.map((p) => p.stop()), responder.child.stop(), gate.stop()]);
  }
}

function rowsOf(m: Map<string, Measured>): Row[] {
  const alone = m.get('nginx alone')!;
  /** Requests per second against nginx alone, and how much more CPU each request takes. */
  const against = (r: Measured, target: number): Row[number][] => {
    const ratio = r.rps / alone.rps;
    const cpuRatio = alone.cpuMicrosPerRequest! / r.cpuMicrosPerRequest!;
    return [
      `${fmt(ratio, 2)}× nginx alone`,
      `${failures(r)}${spread(r)}CPU ${fmt(cpuRatio, 2)}×; target ≥ ${fmt(target, 1)}×: ${verdict(ratio >= target)}`,
    ];
  };
  const line = (name: string, r: Measured, ratioAndNotes: string[]): Row => [
    name,
    fmt(r.rps),
    latency(r),
    cpu(r),
    ...ratioAndNotes,
  ];
  const direct = m.get('direct')!;
  const responder = m.get('responder')!;
  const directRatio = direct.rps / responder.rps;
  return [
    line('nginx + auth_request → gate (keep-alive)', m.get('auth_request')!, against(m.get('auth_request')!, 0.6)),
    line('  the same over a Unix socket', m.get('auth_request, socket')!, against(m.get('auth_request, socket')!, 0.6)),
    line('  + 5 s decision cache, one URL', m.get('cached')!, against(m.get('cached')!, 0.9)),
    line('  + 5 s decision cache, every URL new', m.get('cached, new URLs')!, against(m.get('cached, new URLs')!, 0.6)),
    baselineRow('nginx alone (auth_request off)', alone),
    line('/_gate/auth/nginx, asked directly', direct, [
      `${fmt(directRatio, 2)}× Node responder`,
      `${failures(direct)}${spread(direct)}CPU ${fmt(responder.cpuMicrosPerRequest! / direct.cpuMicrosPerRequest!, 2)}×; target ≥ 1.0×: ${verdict(directRatio >= 1)}`,
    ]),
    baselineRow('minimal Node responder, same request', responder),
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      rounds: { type: 'string', default: '3' },
      connections: { type: 'string', default: '50' },
    },
  });
  const load = {
    seconds: Number(values.seconds),
    rounds: Number(values.rounds),
    connections: Number(values.connections),
  };
  const upstream: { child: Child; url: string } = await startServer('upstream.ts');
  try {
    const { rows } = await forwardAuthRows(upstream.url, load);
    console.log(
      `node ${process.version}, ${load.connections} connections, ${load.rounds} × ${load.seconds} s per contender, alternating`,
    );
    printTable(rows);
  } finally {
    await upstream.child.stop();
  }
}
