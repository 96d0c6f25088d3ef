import type { ClientRequest, IncomingMessage } from 'node:http';

import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import { createResponseDeadlines, SWEEP_MS } from '../../src/http/forward/response-deadlines.js';

const request = () => ({}) as IncomingMessage;
const upstreamRequest = () => {
  const r = { destroyed: false, destroy: () => void (r.destroyed = true) };
  return r as unknown as ClientRequest & { destroyed: boolean };
};

describe('upstream response deadlines', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('cut a request whose response headers did not arrive in time, within one sweep', () => {
    const deadlines = createResponseDeadlines(() => Date.now());
    const [req, proxyReq] = [request(), upstreamRequest()];
    deadlines.start(req, proxyReq, 1000);
    vi.advanceTimersByTime(1000 - SWEEP_MS);
    expect(proxyReq.destroyed).toBe(false);
    vi.advanceTimersByTime(SWEEP_MS);
    expect(proxyReq.destroyed).toBe(true);
    expect(deadlines.expired(req)).toBe(true);
    deadlines.close();
  });

  it('leave a request alone once its response headers arrived', () => {
    const deadlines = createResponseDeadlines(() => Date.now());
    const [req, proxyReq] = [request(), upstreamRequest()];
    deadlines.start(req, proxyReq, 1000);
    deadlines.stop(req);
    vi.advanceTimersByTime(5000);
    expect(proxyReq.destroyed).toBe(false);
    expect(deadlines.expired(req)).toBe(false);
    deadlines.close();
  });

  it('keep no timer while nothing is waiting', () => {
    const deadlines = createResponseDeadlines(() => Date.now());
    const req = request();
    deadlines.start(req, upstreamRequest(), 1000);
    deadlines.stop(req);
    vi.advanceTimersByTime(SWEEP_MS);
    expect(vi.getTimerCount()).toBe(0);
    deadlines.close();
  });

  it('do not count a request cut by someone else (a client that went away) as a timeout', () => {
    const deadlines = createResponseDeadlines(() => Date.now());
    const [req, proxyReq] = [request(), upstreamRequest()];
    deadlines.start(req, proxyReq, 1000);
    proxyReq.destroy();
    vi.advanceTimersByTime(2000);
    expect(deadlines.expired(req)).toBe(false);
    deadlines.close();
  });
});
