// Whether a gate keeps its garbage young after an idle spell: with and without the image's Node
// flags (--min-semi-space-size=16, why: docs/benchmarks.md). Not part of `npm run bench`:
//   npm run build && node --import tsx bench/heap-after-idle.ts [--idle 25] [--seconds 4]
// Each gate is loaded for 2 s, left idle, woken by 1 s of load, then measured: bytes promoted to
// the old generation per scavenge (--trace-gc-nvp), minor page faults and CPU µs per request.
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

import { imageNodeFlags } from '../test/helpers/image-command.js';
import { load } from './lib/load.js';
import { codeWaiter, loginOnce } from './lib/login-driver.js';
import { ROOT, startChild, startServer } from './lib/processes.js';
import { writeWorkspace } from './lib/workspace.js';

const { values } = parseArgs({
  options: { idle: { type: 'string', default: '25' }, seconds: { type: 'string', default: '4' } },
});
const IDLE_MS = Number(values.idle) * 1000;
const SECONDS = Number(values.seconds);

/** Minor page faults so far, field 10 of /proc/PID/stat (CPU time comes from load()). */
function minorFaults(pid: number): number {
  return Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[7]);
}

const upstream = await startServer('upstream.ts');
const config = writeWorkspace(upstream.url, { type: 'memory', maxEntries: 100_000 });
try {
  for (const flags of [[], imageNodeFlags()]) {
    const { child, match } = await startChild(
      `${ROOT}/dist/cli.js`,
      ['serve', '--config', config],
      /on (http:\/\/\S+)/,
      [...flags, '--trace-gc-nvp'],
    );
    try {
      const url = match[1]!;
      const pid = child.process.pid!;
      const cookie = await loginOnce(url, 'user0', codeWaiter(child));
      const get = (seconds: number) => load({ url: `${url}/app`, headers: { cookie }, connections: 50, seconds, pid });
      let measuring = false;
      const scavenges: number[] = [];
      child.onLine((line) => {
        if (measuring && / gc=s /.test(line)) scavenges.push(Number(/ promoted=(\d+)/.exec(line)?.[1] ?? 0));
      });
      await get(2);
      await new Promise((r) => setTimeout(r, IDLE_MS));
      await get(1);
      const faultsBefore = minorFaults(pid);
      measuring = true;
      const measured = await get(SECONDS);
      measuring = false;
      const faults = minorFaults(pid) - faultsBefore;
      const requests = measured.rps * SECONDS;
      const promoted = scavenges.reduce((a, b) => a + b, 0) / Math.max(1, scavenges.length);
      console.log(
        `${(flags.join(' ') || 'no flags').padEnd(28)} promoted per scavenge ${(promoted / 1024).toFixed(0).padStart(5)} KB over ${scavenges.length} scavenges;`,
        `${(faults / requests).toFixed(3)} minor faults and ${measured.cpuMicrosPerRequest!.toFixed(0)} µs CPU per request`,
      );
    } finally {
      await child.stop();
    }
  }
} finally {
  await upstream.child.stop();
}
