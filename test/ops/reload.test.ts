// Hot reload through the real `serve` command: a broken policy edit on disk leaves the gate
// serving the old rules, says why (file:line:col in the log, 0 in the reload gauge), and a
// fixed edit or SIGHUP brings the new rules in.
import { writeFileSync } from 'node:fs';

import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DEFAULT_POLICY } from '../helpers/gate.js';
import type { ServeProcess, ServeWorkspace } from '../helpers/serve-process.js';
import { serveWorkspace, startServe } from '../helpers/serve-process.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

let upstream: TestUpstream;
let ws: ServeWorkspace;
let gate: ServeProcess;

beforeAll(async () => {
  upstream = await startUpstream();
  ws = serveWorkspace({ upstream: upstream.url });
  gate = await startServe(ws.config);
});
afterAll(async () => {
  await gate?.stop();
  await upstream?.close();
});

const metric = async (name: string) => {
  const text = (await request(gate.metricsUrl).get('').expect(200)).text;
  const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)$`, 'm').exec(text);
  return m ? Number(m[1]) : undefined;
};

describe('hot reload', () => {
  it('keeps the last good rules when a policy edit on disk is broken, and says why', async () => {
    await request(gate.url).get('/public/x').expect(200);
    const from = gate.output().length;
    // Line 4 has an unknown action: the whole set is refused.
    writeFileSync(ws.policyFile, DEFAULT_POLICY.replace('action: bypass', 'action: alow'));
    const m = await gate.waitFor(/reload failed[^\n]*/, from);
    expect(m[0]).toMatch(/main\.yaml:\d+:\d+: /);
    expect(await metric('otp_gate_config_reload_success')).toBe(0);
    expect(await metric('otp_gate_config_last_reload_timestamp_seconds')).toBeGreaterThan(Date.now() / 1000 - 60);
    // Still the old rules: /public/ passes, /docs/ needs a sign-in.
    await request(gate.url).get('/public/x').expect(200);
    await request(gate.url).get('/docs/').set('Accept', 'application/json').expect(401);
  });

  it('takes a good edit on disk and reports success', async () => {
    const from = gate.output().length;
    writeFileSync(ws.policyFile, DEFAULT_POLICY.replace('paths: ["/public/**"]', 'paths: ["/public/**", "/docs/**"]'));
    await gate.waitFor(/configuration reloaded/, from);
    expect(await metric('otp_gate_config_reload_success')).toBe(1);
    await request(gate.url).get('/docs/').set('Accept', 'application/json').expect(200);
  });

  it('reloads on SIGHUP', async () => {
    const from = gate.output().length;
    gate.child.kill('SIGHUP');
    const line = await gate.waitFor(
      /"trigger":"sighup"[^\n]*configuration reloaded|configuration reloaded[^\n]*"trigger":"sighup"/,
      from,
    );
    expect(line[0]).toContain('sighup');
  });
});
