import { Session } from 'node:inspector/promises';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { loadGate } from './dist/config/load-gate.js';
import { startGate } from './dist/server.js';
const { gate: loaded } = await loadGate(process.argv[2], process.env);
const gate = await startGate(loaded);
const { cookie } = await gate.sessions.create('user0');
const c = `otp_gate=${cookie}`;
const url = `${gate.url}/app`;
const cannon = (s) => execFileSync(process.execPath, ['node_modules/autocannon/autocannon.js', '-c', '50', '-d', String(s), '-H', `cookie=${c}`, url], { stdio: 'pipe' });
// autocannon blocks this loop: run it in a child asynchronously instead
import { spawn } from 'node:child_process';
const run = (s) => new Promise((r) => spawn(process.execPath, ['node_modules/autocannon/autocannon.js', '-c', '50', '-d', String(s), '-H', `cookie=${c}`, url], { stdio: 'ignore' }).on('exit', r));
await run(3);
const session = new Session(); session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 4096, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: false });
await run(3);
const { profile } = await session.post('HeapProfiler.getSamplingProfile');
await session.post('HeapProfiler.stopSampling');
// aggregate self size by top frames
const rows = new Map();
const walk = (node, stack) => {
  const f = node.callFrame; const name = `${f.functionName || '(anon)'} ${f.url.split('/').slice(-2).join('/')}:${f.lineNumber}`;
  const st = [...stack, name];
  if (node.selfSize) { const key = st.slice(-8).join(' < ').replace(/^/, ''); rows.set(key, (rows.get(key) ?? 0) + node.selfSize); }
  for (const ch of node.children) walk(ch, st);
};
walk(profile.head, []);
const top = [...rows].sort((a, b) => b[1] - a[1]).slice(0, 25);
for (const [k, v] of top) console.log((v / 1024).toFixed(0).padStart(7), 'KB', k.split(' < ').reverse().join(' < '));
await gate.close(); process.exit(0);
