// The gate's files for a bench run: 1000 users, a bypass rule for /public/** (uploads) and a
// challenge rule for the rest, limits lifted so login cycles never hit them, logs and audit off.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type BenchStore = { type: 'memory'; maxEntries: number } | { type: 'redis'; url: string };

/** Writes a workspace and returns the config file's path. */
export function writeWorkspace(upstreamUrl: string, store: BenchStore): string {
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-bench-'));
  const users = Array.from(
    { length: 1000 },
    (_, i) =>
      `  user${i}:\n    name: User ${i}\n    phone: "+1 202 555 ${String(1000 + i).slice(-4)}"\n    groups: [staff]`,
  );
  writeFileSync(join(dir, 'users.yaml'), `users:\n${users.join('\n')}\n`);
  writeFileSync(
    join(dir, 'policy.yaml'),
    'rules:\n  - name: public\n    paths: ["/public/**"]\n    action: bypass\n  - name: app\n    action: challenge\n',
  );
  const storeYaml =
    store.type === 'memory' ? `type: memory\n  max_entries: ${store.maxEntries}` : `type: redis\n  url: "${store.url}"`;
  writeFileSync(
    join(dir, 'config.yaml'),
    `server:
  listen: "127.0.0.1:0"
  insecure_http: true
  # The bench asks forward-auth questions from loopback, as a front proxy on the same host would.
  trusted_proxies: ["127.0.0.1/32"]
apps:
  - host: 127.0.0.1
    upstream: "${upstreamUrl}"
session:
  secrets: ["bench-secret-0123456789-abcdefghijklmnopqrstuvwxyz"]
store:
  ${storeYaml}
directory:
  file: users.yaml
policies: [policy.yaml]
otp:
  max_sends_per_hour: 1000000
  max_sends_per_address_per_hour: 100000000
  max_sends_per_destination_per_hour: 1000000
  max_sends_per_prefix_per_hour: 100000000
  max_sends_per_hour_total: 100000000
pages:
  max_login_pages_per_address_per_minute: 100000000
  max_login_pages_per_network_per_minute: 100000000
channels:
  console: {}
log:
  level: silent
audit:
  file: "off"
metrics:
  listen: "off"
`,
  );
  return join(dir, 'config.yaml');
}
