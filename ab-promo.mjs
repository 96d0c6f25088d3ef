// node --trace-gc-nvp ab-promo.mjs DISTDIR CONFIG: load for 4 s after 2 s warm-up; the caller sums promoted=.
import { spawn } from 'node:child_process';
const dir = process.argv[2];
const { loadGate } = await import(`./${dir}/config/load-gate.js`);
const { startGate } = await import(`./${dir}/server.js`);
const { gate: loaded } = await loadGate(process.argv[3], process.env);
const gate = await startGate(loaded);
const { cookie } = await gate.sessions.create('user0');
const run = (s) => new Promise((r) => spawn(process.execPath, ['node_modules/autocannon/autocannon.js', '-c', '50', '-d', String(s), '-H', `cookie=otp_gate=${cookie}`, `${gate.url}/${process.env.PATH_ ?? 'app'}`], { stdio: ['ignore', 'ignore', process.env.SHOW ? 'inherit' : 'pipe'] }).on('exit', r));
await run(2);
if (process.env.IDLE) { await new Promise((r) => setTimeout(r, Number(process.env.IDLE) * 1000)); await run(1); }
console.log('MEASURE');
await run(4);
console.log('END');
await gate.close(); process.exit(0);
