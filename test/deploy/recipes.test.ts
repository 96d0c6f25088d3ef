// The deployment recipes under deploy/, checked the way they can be on a machine without a
// container engine or a cluster: each file parses, the gate configs they mount load with the
// gate's own loader, and the wiring between the pieces holds (ports, probes, service names, the
// app reachable only through the gate). systemd-analyze verifies the unit where it is installed.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

import { loadGate } from '../../src/config/load-gate.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DEPLOY = join(ROOT, 'deploy');
/** Every ${VAR} filled with a value long enough for any length check. */
const ENV = new Proxy(
  {},
  {
    get: (_t, name) => (typeof name === 'string' ? `dummy-${name.toLowerCase()}-value-0123456789abcdef` : undefined),
    has: () => true,
  },
) as NodeJS.ProcessEnv;

/** Parsed YAML: its shape is what the assertions check. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any key path may be asserted on
type Doc = Record<string, any>;
const docs = (file: string): Doc[] =>
  parseAllDocuments(readFileSync(join(DEPLOY, file), 'utf8')).map((d) => {
    expect(d.errors).toEqual([]);
    return d.toJS() as Doc;
  });

/** The Node flags of the image's ENTRYPOINT, which every way of running the gate shares. */
function imageNodeFlags(): string[] {
  const entry = /^ENTRYPOINT (\[.*\])$/m.exec(readFileSync(join(ROOT, 'Dockerfile'), 'utf8'))![1]!;
  return (JSON.parse(entry) as string[]).slice(1).filter((a) => a.startsWith('--'));
}

describe('the systemd unit', () => {
  const file = join(DEPLOY, 'systemd', 'otp-gate.service');
  const text = readFileSync(file, 'utf8');
  const service = (key: string) => [...text.matchAll(new RegExp(`^${key}=(.*)$`, 'gm'))].map((m) => m[1]!);

  it("runs serve with the image's Node flags, and reloads with SIGHUP", () => {
    const [exec] = service('ExecStart');
    expect(exec).toBeDefined();
    for (const flag of imageNodeFlags()) expect(exec).toContain(` ${flag} `);
    expect(exec).toMatch(/cli\.js serve --config \S+$/);
    expect(service('ExecReload')).toEqual(['/bin/kill -HUP $MAINPID']);
  });

  it('is hardened: no privilege gain, a read-only system, its own dynamic user', () => {
    expect(service('NoNewPrivileges')).toEqual(['yes']);
    expect(service('ProtectSystem')).toEqual(['strict']);
    expect(service('DynamicUser')).toEqual(['yes']);
    expect(service('PrivateTmp')).toEqual(['yes']);
    // V8's JIT writes then executes memory: this one would stop Node at start.
    expect(service('MemoryDenyWriteExecute')).toEqual([]);
  });

  it('waits longer on stop than the gate drains (server.shutdown_timeout, 10s by default)', () => {
    expect(Number.parseInt(service('TimeoutStopSec')[0] ?? '0', 10)).toBeGreaterThan(10);
  });

  it.runIf(existsSync('/usr/bin/systemd-analyze'))('passes systemd-analyze verify', () => {
    // Verify checks that ExecStart's program exists: point it at this machine's node.
    const dir = mkdtempSync(join(tmpdir(), 'otp-gate-unit-'));
    const copy = join(dir, 'otp-gate.service');
    writeFileSync(copy, text.replace('/usr/bin/node ', `${process.execPath} `));
    const out = execFileSync('/usr/bin/systemd-analyze', ['verify', copy], {
      cwd: dir,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    expect(out).toBe('');
  });
});

describe('the compose recipe', () => {
  const [compose] = docs('compose/compose.yaml');
  const services = compose!.services as Record<string, Doc>;

  it('has the gate, Redis and an example app, and the app publishes no port: the gate is the way in', () => {
    expect(Object.keys(services).sort()).toEqual(['app', 'gate', 'redis']);
    expect(services.app!.ports).toBeUndefined();
    expect(services.redis!.ports).toBeUndefined();
    expect(services.gate!.ports).toEqual(['8080:8080']);
  });

  it('mounts a gate config that loads, pointing at the redis and app services by name', async () => {
    expect(services.gate!.volumes).toContain('./gate:/etc/otp-gate:ro');
    const { gate } = await loadGate(join(DEPLOY, 'compose', 'gate', 'config.yaml'), ENV);
    const { store, apps, server } = gate.config;
    expect(store.type === 'redis' && store.address.kind === 'url' && new URL(store.address.url).hostname).toBe('redis');
    expect(new URL(apps[0]!.upstream).hostname).toBe('app');
    expect(`${server.port}:${server.port}`).toBe(services.gate!.ports[0]);
    expect(Object.keys(services.gate!.environment).sort()).toEqual(['REDIS_PASSWORD', 'SESSION_SECRET']);
  });

  it("checks the gate's readiness and waits for a healthy Redis", () => {
    expect(services.gate!.healthcheck.test.join(' ')).toContain('/_gate/readyz');
    expect(services.gate!.depends_on.redis.condition).toBe('service_healthy');
    expect(services.redis!.healthcheck.test.join(' ')).toContain('ping');
  });

  it('names the secrets it needs in env.example', () => {
    const example = readFileSync(join(DEPLOY, 'compose', 'env.example'), 'utf8');
    for (const name of ['SESSION_SECRET', 'REDIS_PASSWORD']) expect(example).toMatch(new RegExp(`^${name}=`, 'm'));
  });
});

describe('the Kubernetes manifests', () => {
  const all = ['otp-gate.yaml', 'redis.yaml', 'secret.example.yaml', 'ingress-forward-auth.yaml'].flatMap((f) =>
    docs(`kubernetes/${f}`),
  );
  const find = (kind: string, name: string) =>
    all.find((d) => d.kind === kind && d.metadata?.name === name && d.metadata?.namespace === undefined);

  it('each has an apiVersion, a kind and a name', () => {
    for (const d of all)
      expect([typeof d.apiVersion, typeof d.kind, typeof d.metadata?.name]).toEqual(['string', 'string', 'string']);
  });

  it("the ConfigMap's config loads with its users and policies, and every ${VAR} is in the Secret", async () => {
    const data = find('ConfigMap', 'otp-gate')!.data as Record<string, string>;
    const dir = mkdtempSync(join(tmpdir(), 'otp-gate-k8s-'));
    for (const [name, text] of Object.entries(data)) writeFileSync(join(dir, name), text);
    const { gate } = await loadGate(join(dir, 'config.yaml'), ENV);
    expect(gate.config.server.port).toBe(8080);
    const wanted = [...data['config.yaml']!.matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]!);
    expect(Object.keys(find('Secret', 'otp-gate')!.stringData).sort()).toEqual([...new Set(wanted)].sort());
  });

  it("probes healthz for liveness and readyz for readiness on the gate's port", () => {
    const container = find('Deployment', 'otp-gate')!.spec.template.spec.containers[0];
    expect(container.livenessProbe.httpGet.path).toBe('/_gate/healthz');
    expect(container.readinessProbe.httpGet.path).toBe('/_gate/readyz');
    expect(container.ports.find((p: Doc) => p.name === 'http').containerPort).toBe(8080);
    expect(container.volumeMounts[0].mountPath).toBe('/etc/otp-gate');
  });

  it('two replicas share a Redis the manifests define', async () => {
    expect(find('Deployment', 'otp-gate')!.spec.replicas).toBeGreaterThan(1);
    const config = parse((find('ConfigMap', 'otp-gate')!.data as Record<string, string>)['config.yaml']!) as Doc;
    expect(new URL(config.store.url).hostname).toBe('redis.otp-gate.svc.cluster.local');
    expect(find('Service', 'redis')!.spec.ports[0].port).toBe(6379);
  });

  it("the ingress-nginx forward-auth example asks the gate's nginx dialect and passes its identity headers", () => {
    const ingress = all.find((d) => d.kind === 'Ingress' && d.metadata.name === 'wiki')!;
    const annotations = ingress.metadata.annotations as Record<string, string>;
    expect(new URL(annotations['nginx.ingress.kubernetes.io/auth-url']!).pathname).toBe('/_gate/auth/nginx');
    expect(annotations['nginx.ingress.kubernetes.io/auth-signin']).toContain('/_gate/login?rd=');
    expect(annotations['nginx.ingress.kubernetes.io/auth-response-headers']).toBe(
      'Remote-User,Remote-Name,Remote-Groups,Remote-Assertion',
    );
    // Kept-alive connections, idle ones closed before the gate's own 5 s keep_alive_timeout does.
    expect(Number(annotations['nginx.ingress.kubernetes.io/auth-keepalive'])).toBeGreaterThan(0);
    expect(Number(annotations['nginx.ingress.kubernetes.io/auth-keepalive-timeout'])).toBeLessThan(5);
    const pages = all.find((d) => d.kind === 'Ingress' && d.metadata.name === 'wiki-gate-pages')!;
    expect(pages.spec.rules[0].http.paths[0].path).toBe('/_gate');
  });
});

describe('the HAProxy and Envoy forward-auth snippets', () => {
  const snippet = (file: string) => readFileSync(join(ROOT, 'docs', 'forward-auth', file), 'utf8');

  it("HAProxy removes a client's assertion header and copies the gate's onto the request", () => {
    const cfg = snippet('haproxy.cfg');
    expect(cfg).toMatch(/^ {4}http-request del-header Remote-Assertion$/m);
    expect(cfg).toMatch(/^ {4}http-request del-header X-Remote-Assertion$/m);
    expect(cfg).toMatch(/lua\.auth-intercept .* remote-user,remote-name,remote-groups,remote-assertion /);
  });

  it("Envoy removes a client's assertion header and lets the gate's through to the app", () => {
    const yaml = snippet('envoy.yaml');
    expect(yaml).toContain('- { remove: remote-assertion }');
    expect(yaml).toContain('- { remove: x-remote-assertion }');
    expect(yaml).toMatch(/allowed_upstream_headers:.*\n\s+patterns: \[.*\{ exact: remote-assertion \}\]/);
  });
});
