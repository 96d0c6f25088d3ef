// A gate with a push: section whose only push service is a local RFC 8030 one, for the suite:
// the service starts first, since the config must name it.
import { afterAll, beforeAll } from 'vitest';

import type { TestGate, TestGateOptions } from './gate.js';
import { startTestGate } from './gate.js';
import type { TestPushService } from './push-service.js';
import { startPushService } from './push-service.js';
import type { TestUpstream } from './upstream.js';
import { startUpstream } from './upstream.js';
import { pushSection } from './vapid-keys.js';

export interface PushGate {
  gate: TestGate;
  service: TestPushService;
  upstream: TestUpstream;
}

/** `extraConfig` is appended after the push: and approvals: sections; `approvals` is the latter's flow-style value. */
export function usePushGate(options: Omit<TestGateOptions, 'upstream'> & { approvals?: string } = {}): PushGate {
  const env = {} as PushGate;
  beforeAll(async () => {
    env.service = await startPushService();
    env.upstream = await startUpstream();
    env.gate = await startTestGate({
      ...options,
      upstream: env.upstream.url,
      extraConfig: `${pushSection(`  services: ["${env.service.url}"]\n`, options.approvals)}${options.extraConfig ?? ''}`,
    });
  });
  afterAll(async () => {
    await env.gate?.close();
    await env.upstream?.close();
    await env.service?.close();
  });
  return env;
}
