// `otp-gate demo` (what `npm start` runs): the gate on its embedded defaults — in-memory store,
// codes printed to the console, a small demo app behind it. No account or secret needed.
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';

import webpush from 'web-push';

import { loadGate } from '../config/load-gate.js';
import { startGate } from '../main/server.js';
import { ListenError } from '../shared/listen.js';
import { startDemoUpstream } from './demo-upstream.js';
import { EXIT, exitingIfStartFails, reportingConfigErrors } from './output.js';
import { untilStopped } from './serve.js';

export const DEMO_CONFIG = fileURLToPath(new URL('../../demo/config.yaml', import.meta.url));

export function runDemo(port: number): Promise<number> {
  return reportingConfigErrors(async () => {
    const upstream = await startDemoUpstream();
    // A fresh VAPID pair per run too: browsers registered in one run (in the memory store) end with it.
    const vapid = webpush.generateVAPIDKeys();
    const env = {
      ...process.env,
      DEMO_LISTEN: `127.0.0.1:${port}`,
      DEMO_UPSTREAM: upstream.url,
      // A fresh secret per run: demo sessions end when the demo stops.
      DEMO_SESSION_SECRET: randomBytes(32).toString('base64url'),
      DEMO_VAPID_PUBLIC_KEY: vapid.publicKey,
      DEMO_VAPID_PRIVATE_KEY: vapid.privateKey,
    };
    const gate = await exitingIfStartFails(
      loadGate(DEMO_CONFIG, env)
        .then(({ gate: loaded }) => startGate(loaded))
        .catch(async (err: unknown) => {
          await upstream.close();
          // The gate's own address comes from PORT here, not from a server.listen the user wrote.
          throw err instanceof ListenError && err.address === env.DEMO_LISTEN
            ? err.withHint('set PORT or --port to a free port')
            : err;
        }),
    );
    const url = `http://localhost:${new URL(gate.url).port}/`;
    process.stdout.write(
      [
        '',
        `otp-gate demo is running: open ${url}`,
        '  Sign in as "alice" (admin) or "bob", or with their phone numbers (+1 202 555 0101 / 0102).',
        '  Codes are printed here, in this terminal. /public/ needs no sign-in; /admin/ is for admins.',
        `  Sign in by scanning: open ${url}desk/ in a private window (the "computer"), as alice.`,
        '  Open the link under its QR code in a normal tab signed in as alice (the "phone"), type the',
        '  number the private window shows and approve: the private window is signed in.',
        `  Or by push: in the normal tab, on ${url}_gate/account, register it for sign-in approvals`,
        '  (Chrome, Edge or Firefox, online); /desk/ then also sends that browser a notification.',
        ...(gate.metricsUrl ? [`  Metrics: ${gate.metricsUrl}`] : []),
        '  Press Ctrl+C to stop.',
        '',
      ].join('\n'),
    );
    await untilStopped(gate);
    await upstream.close();
    return EXIT.ok;
  });
}
