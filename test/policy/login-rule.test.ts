// Which rule a sign-in answers to, and what it asks of the person and of a trusted browser.
import { describe, expect, it } from 'vitest';

import type { LoginRequest } from '../../src/policy/login-rule.js';
import {
  asksPassword,
  FALLBACK_LOGIN_RULE,
  honoursTrust,
  loginRule,
  trustedSignIn,
} from '../../src/policy/login-rule.js';
import { bypass, challenge, deny, policy } from './builders.js';

const DAY = 86_400_000;

const POLICY = policy([
  bypass({ name: 'public', paths: ['/public/**'] }),
  deny({ name: 'blocked', paths: ['/blocked/**'] }),
  challenge({ name: 'office', networks: ['10.0.0.0/8'], channels: ['console'] }),
  challenge({ name: 'posts', paths: ['/posts/**'], methods: ['POST'] }),
  challenge({ name: 'vault', paths: ['/vault/**'], factors: ['password', 'otp'], trusted_device: '7d' }),
  challenge({ name: 'wiki', hosts: ['wiki.example.com'], trusted_device: '30d', channels: ['sms'] }),
]);

const login = (fields: Partial<LoginRequest> = {}): LoginRequest => ({
  returnTo: '/',
  host: 'docs.example.com',
  ip: '203.0.113.7',
  channels: ['console', 'sms'],
  ...fields,
});
const ruleName = (fields: Partial<LoginRequest>) => loginRule(POLICY, login(fields)).name;

describe('loginRule', () => {
  it('judges a path-only target on the host the sign-in was asked on', () => {
    expect(ruleName({ returnTo: '/page', host: 'wiki.example.com' })).toBe('wiki');
  });

  it('judges an absolute target on its own host, not the sign-in host', () => {
    expect(ruleName({ returnTo: 'https://WIKI.example.com:8443/page', host: 'docs.example.com' })).toBe('wiki');
  });

  it('judges the target by its path', () => {
    expect(ruleName({ returnTo: '/vault/x?tab=1' })).toBe('vault');
  });

  it("judges the target from the sign-in's client address", () => {
    expect(ruleName({ returnTo: '/vault/x', ip: '10.1.2.3' })).toBe('office');
  });

  it('judges the target as a page to open (GET), not as the form post that led there', () => {
    expect(ruleName({ returnTo: '/posts/new' })).toBe(FALLBACK_LOGIN_RULE);
  });

  it('gives the challenge rule itself: its factors, channels and browser trust', () => {
    expect(loginRule(POLICY, login({ returnTo: '/page', host: 'wiki.example.com' }))).toMatchObject({
      name: 'wiki',
      factors: ['otp'],
      channels: ['sms'],
      trustedDevice: 30 * DAY,
    });
  });

  it.each([
    ['a bypass rule lets through', '/public/x'],
    ['a deny rule refuses', '/blocked/x'],
    ['is read two ways (encoded twice)', '/vault/%252e%252e/x'],
  ])('asks a target that %s for a code on every channel and trusts no browser', (_, returnTo) => {
    expect(loginRule(POLICY, login({ returnTo }))).toEqual({
      name: FALLBACK_LOGIN_RULE,
      channels: ['console', 'sms'],
      factors: ['otp'],
      trustedDevice: undefined,
    });
  });
});

describe('asksPassword', () => {
  it('asks for the password where the rule lists it', () => {
    expect(asksPassword(loginRule(POLICY, login({ returnTo: '/vault/x' })))).toBe(true);
  });

  it('asks for no password where the rule asks for a code alone', () => {
    expect(asksPassword(loginRule(POLICY, login({ returnTo: '/public/x' })))).toBe(false);
  });
});

describe('trustedSignIn', () => {
  it('lets a browser the rule honours continue with no more', () => {
    expect(trustedSignIn(loginRule(POLICY, login({ host: 'wiki.example.com' })))).toBe('continue-as');
  });

  it('skips only the code under a rule that asks for a password', () => {
    expect(trustedSignIn(loginRule(POLICY, login({ returnTo: '/vault/x' })))).toBe('after-password');
  });

  it('lets no browser skip anything under a rule without trusted_device', () => {
    expect(trustedSignIn(loginRule(POLICY, login()))).toBeUndefined();
  });
});

describe('honoursTrust', () => {
  const wiki = loginRule(POLICY, login({ host: 'wiki.example.com' }));

  it("honours a browser trusted within the rule's trusted_device", () => {
    expect(honoursTrust(wiki, 30 * DAY - 1)).toBe(true);
  });

  it("honours no browser once its trust is as old as the rule's trusted_device", () => {
    expect(honoursTrust(wiki, 30 * DAY)).toBe(false);
  });

  it('honours no browser, however new, under a rule without trusted_device', () => {
    expect(honoursTrust(loginRule(POLICY, login()), 0)).toBe(false);
  });
});
