// Starts a real nginx or Caddy on a free port from one of the docs/forward-auth snippets, with
// the snippet's example addresses swapped for the test gate and upstream. Everything (pid, logs,
// temp and cache folders) lives in a temp folder; both run as the current user, in the foreground.
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const DOCS = join(import.meta.dirname, '..', '..', 'docs', 'forward-auth');
const GATE_EXAMPLE = '127.0.0.1:8080';
const APP_EXAMPLE = '10.0.0.5:8080';

export interface FrontProxy {
  url: string;
  port: number;
  /** The proxy's main process (nginx's master; its worker is a child). */
  pid: number;
  dir: string;
  logs(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** "http://127.0.0.1:1234" -> "127.0.0.1:1234" */
/** "127.0.0.1:8080", or a gate's "unix:/path" as it is: nginx's upstream `server` takes both. */
const hostPort = (url: string) => (url.startsWith('unix:') ? url : new URL(url).host);

function swap(snippet: string, gate: string, app: string): string {
  if (!snippet.includes(GATE_EXAMPLE) || !snippet.includes(APP_EXAMPLE))
    throw new Error('snippet no longer names the example addresses the tests replace');
  return snippet.replaceAll(GATE_EXAMPLE, hostPort(gate)).replaceAll(APP_EXAMPLE, hostPort(app));
}

export interface NginxOptions {
  /** Rewrites the site once its addresses are swapped (the bench: auth_request off, a Unix socket). */
  site?: (text: string) => string;
  /** No access log, and errors from warn up only: what a bench measures. */
  quiet?: boolean;
}

export async function startNginx(
  binary: string,
  snippetFile: string,
  gateUrl: string,
  appUrl: string,
  options: NginxOptions = {},
): Promise<FrontProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-nginx-'));
  const port = await freePort();
  const swapped = swap(readFileSync(join(DOCS, snippetFile), 'utf8'), gateUrl, appUrl)
    .replace('listen 80;', `listen 127.0.0.1:${port};`)
    .replace('/var/cache/nginx/otp-gate', join(dir, 'auth-cache'));
  const site = options.site ? options.site(swapped) : swapped;
  writeFileSync(join(dir, 'site.conf'), site);
  // Started as root (containers), nginx would hand its workers to "nobody", who can't write the temp folder.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  writeFileSync(
    join(dir, 'nginx.conf'),
    `
${user}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log ${options.quiet ? 'warn' : 'info'};
events { worker_connections 1024; }
http {
  access_log ${options.quiet ? 'off' : `${dir}/access.log`};
  client_body_temp_path ${dir}/client-body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  include ${dir}/site.conf;
}
`,
  );
  const child = spawn(binary, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return running(child, dir, port, () => readLog(join(dir, 'error.log')));
}

export async function startCaddy(binary: string, gateUrl: string, appUrl: string): Promise<FrontProxy> {
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-caddy-'));
  const port = await freePort();
  const site = swap(readFileSync(join(DOCS, 'Caddyfile'), 'utf8'), gateUrl, appUrl).replace(
    'wiki.example.com {',
    `http://127.0.0.1:${port} {`,
  );
  writeFileSync(join(dir, 'Caddyfile'), `{\n\tadmin off\n\tauto_https off\n}\n\n${site}`);
  const child = spawn(binary, ['run', '--config', join(dir, 'Caddyfile'), '--adapter', 'caddyfile'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, HOME: dir, XDG_DATA_HOME: join(dir, 'data'), XDG_CONFIG_HOME: join(dir, 'config') },
  });
  return running(child, dir, port);
}

async function running(
  child: ChildProcess,
  dir: string,
  port: number,
  extraLogs: () => string = () => '',
): Promise<FrontProxy> {
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const logs = () => `${output}\n${extraLogs()}`;
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`front proxy exited with ${child.exitCode}:\n${logs()}`);
    if (await canConnect(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`front proxy did not listen on ${port}:\n${logs()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    pid: child.pid!,
    dir,
    logs,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function readLog(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}
