import { describe, expect, it } from 'vitest';

import { createHeaderRewriter, withoutCookies } from '../../src/http/forward/upstream-headers.js';

const rewriter = createHeaderRewriter(
  { user: 'Remote-User', name: 'Remote-Name', groups: 'Remote-Groups', strip: ['X-Auth-Request-Email'] },
  ['otp_gate', 'otp_gate_flow'],
);
const untrusted = { clientIp: '203.0.113.9', peerIp: '203.0.113.9', peerTrusted: false, proto: 'https' as const };

describe('upstream headers', () => {
  it('strip configured extra headers', () => {
    const h = rewriter.forUpstream({ 'x-auth-request-email': 'a@b', host: 'h' }, untrusted, undefined);
    expect(h['x-auth-request-email']).toBeUndefined();
  });

  it('set identity headers only when there is an identity', () => {
    const h = rewriter.forUpstream({ host: 'h' }, untrusted, { user: 'alice', name: 'Alice', groups: ['a', 'b'] });
    expect(h).toMatchObject({ 'remote-user': 'alice', 'remote-name': 'Alice', 'remote-groups': 'a,b' });
  });

  it('percent-encode a display name that is not plain ASCII', () => {
    const h = rewriter.forUpstream({ host: 'h' }, untrusted, { user: 'li', name: '李雷', groups: [] });
    expect(h['remote-name']).toBe(encodeURIComponent('李雷'));
  });

  it('remove only the gate cookies and keep the others as they were', () => {
    expect(withoutCookies('a=1; otp_gate=x.y; b="q w"; otp_gate_flow=z', ['otp_gate', 'otp_gate_flow'])).toBe(
      'a=1; b="q w"',
    );
    expect(withoutCookies('otp_gate=x', ['otp_gate'])).toBe('');
  });

  it('drop the Cookie header when only gate cookies were in it', () => {
    const h = rewriter.forUpstream({ host: 'h', cookie: 'otp_gate=x' }, untrusted, undefined);
    expect(h.cookie).toBeUndefined();
  });
});

describe('method overrides', () => {
  it('never reach the upstream, so it cannot run another method than the rules judged', () => {
    const h = rewriter.forUpstream(
      { host: 'h', 'x-http-method-override': 'DELETE', 'x-http-method': 'PUT', 'x-method-override': 'PATCH' },
      { ...untrusted, peerTrusted: true },
      undefined,
    );
    expect(Object.keys(h).filter((k) => k.includes('method'))).toEqual([]);
  });
});

describe('forwarding headers', () => {
  it('are judged per request by who sent them, though the header names are remembered', () => {
    const sent = { host: 'h', 'x-forwarded-host': 'evil.example' };
    expect(rewriter.forUpstream(sent, untrusted, undefined)['x-forwarded-host']).toBe('h');
    expect(rewriter.forUpstream(sent, { ...untrusted, peerTrusted: true }, undefined)['x-forwarded-host']).toBe(
      'evil.example',
    );
    expect(rewriter.forUpstream(sent, untrusted, undefined)['x-forwarded-host']).toBe('h');
  });

  it('leave the headers the client sent as they were', () => {
    const sent = { host: 'h', cookie: 'otp_gate=x; a=1', 'remote-user': 'mallory' };
    rewriter.forUpstream(sent, untrusted, { user: 'alice', name: 'Alice', groups: [] });
    expect(sent).toEqual({ host: 'h', cookie: 'otp_gate=x; a=1', 'remote-user': 'mallory' });
  });
});
