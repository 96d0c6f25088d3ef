// Passkeys and security keys in a real browser (Debian's Chromium, playwright-core) with Chromium's
// virtual authenticators (DevTools protocol WebAuthn domain): added on the account page and used to
// sign in for real — a platform authenticator with user verification, a roaming key without, a
// cloned credential, a credential of another RP ID, passwordless only where a rule allows it — and
// axe-core on the new pages in every shipped language.
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { describeWithBinary, findBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import type { AxeFinding, Language } from './browser-pages.js';
import { axeCheck, LANGUAGES, LAUNCH_ARGS, OTP, phoneContext, screenshot, texts, typeCode } from './browser-pages.js';

const CHROMIUM = findBinary([process.env.CHROMIUM_PATH ?? '', '/usr/bin/chromium', '/usr/bin/chromium-browser']);
const EN = LANGUAGES[0];
const tr = texts('en');
/** A host under localhost: a secure context over plain HTTP; its parent domain is the RP ID. */
const HOST = 'app.gate.localhost';
const RP_ID = 'gate.localhost';

const POLICY = `
rules:
  - name: admin
    paths: ["/admin/**"]
    action: challenge
    require: phishing_resistant
  - name: desk
    paths: ["/desk/**"]
    action: challenge
    factors: [passkey]
  - name: everyone
    action: challenge
    channels: [webauthn, console]
`;

const USERS = `
users:
  alice: { name: Alice Example, phone: "+39 333 000 0001" }
  bob: { name: Bob Example, phone: "+1 202 555 0102" }
  carol: { name: Carol Example, phone: "+39 333 000 0003" }
  dave: { name: Dave Example, phone: "+39 333 000 0004" }
  giulia: { name: Giulia Esempio, phone: "+39 333 000 0011" }
  wei: { name: Wang Wei, phone: "+86 139 0000 0021" }
`;

/** A phone's passkey: fingerprint or face (user verification), kept on the device (discoverable). */
const PLATFORM = {
  protocol: 'ctap2',
  transport: 'internal',
  hasResidentKey: true,
  hasUserVerification: true,
  isUserVerified: true,
  automaticPresenceSimulation: true,
};
/** A USB security key with no PIN or fingerprint: a touch only. */
const ROAMING = {
  protocol: 'ctap2',
  transport: 'usb',
  hasResidentKey: false,
  hasUserVerification: false,
  automaticPresenceSimulation: true,
};

interface VirtualCredential {
  credentialId: string;
  isResidentCredential: boolean;
  rpId: string;
  privateKey: string;
  userHandle?: string;
  signCount: number;
}

describeWithBinary('passkeys and security keys in a real browser', CHROMIUM, "Debian's chromium package", (path) => {
  let upstream: TestUpstream;
  let gate: TestGate;
  let browser: Browser;
  let base: string;
  const findings: AxeFinding[] = [];

  beforeAll(async () => {
    upstream = await startUpstream();
    gate = await startTestGate({
      upstream: upstream.url,
      apps: `- host: ${HOST}\n  upstream: "${upstream.url}"`,
      otp: OTP,
      policy: POLICY,
      users: USERS,
      extraConfig: `webauthn:\n  rp_id: ${RP_ID}\n  rp_name: Example`,
    });
    base = `http://${HOST}:${new URL(gate.url).port}`;
    browser = await chromium.launch({
      executablePath: path,
      args: [...LAUNCH_ARGS, `--host-resolver-rules=MAP ${HOST} 127.0.0.1`],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gate?.close();
    await upstream?.close();
  });

  /** A page in a browser of its own, with one virtual authenticator; CSP bypassed so axe-core can be injected. */
  async function personWith(
    options: object,
    language: Language = EN,
  ): Promise<{ context: BrowserContext; page: Page; cdp: CDPSession; authenticatorId: string }> {
    const context = await phoneContext(browser, language, { bypassCSP: true });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable', { enableUI: false });
    const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', { options } as never);
    return { context, page, cdp, authenticatorId };
  }

  /** Signs in with a code on the way to the account page, and adds a key named `name` there. */
  async function addKey(page: Page, user: string, name: string): Promise<void> {
    await page.goto(`${base}/_gate/account`);
    const sent = gate.inbox.codesFor(user).length;
    await page.getByLabel(tr.t('login.identifier_label')).fill(user);
    await page.getByRole('button', { name: tr.t('login.submit') }).click();
    await page.waitForURL(/\/_gate\/code$/);
    await typeCode(page, EN, await gate.inbox.code(user, sent + 1));
    await page.waitForURL(/\/_gate\/account$/);
    await page.getByLabel(tr.t('account.webauthn_name_label')).fill(name);
    await Promise.all([
      page.waitForEvent('load'),
      page.getByRole('button', { name: tr.t('account.webauthn_add') }).click(),
    ]);
    await expect.poll(() => page.locator('.credential strong').allTextContents()).toContain(name);
  }

  /** Signed out, to `path`, the name typed, on to the passkey page. */
  async function toPasskeyPage(context: BrowserContext, page: Page, user: string, path: string): Promise<void> {
    await context.clearCookies({ name: 'otp_gate' });
    await page.goto(`${base}${path}`);
    await page.getByLabel(tr.t('login.identifier_label')).fill(user);
    await page.getByRole('button', { name: /./ }).first().click();
    await page.waitForURL(/\/_gate\/webauthn$/);
  }

  const usePasskey = (page: Page) =>
    Promise.all([page.waitForEvent('load'), page.getByRole('button', { name: tr.t('webauthn.use') }).click()]);

  const auditOf = (event: string, user: string) =>
    gate.audit.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.event === event && e.user === user);

  it('adds a platform passkey on the account page and signs in with it where phishing resistance is required', async () => {
    const { context, page } = await personWith(PLATFORM);
    await addKey(page, 'alice', 'Work phone');
    findings.push(...(await axeCheck(page, 'account-passkeys-en')));
    await screenshot(page, 'account-passkeys-en');
    expect(auditOf('webauthn_added', 'alice')).toHaveLength(1);

    await toPasskeyPage(context, page, 'alice', '/admin/users');
    // Phishing resistance required: no code is offered.
    expect(await page.getByRole('button', { name: tr.t('webauthn.send_code') }).count()).toBe(0);
    await usePasskey(page);
    expect(new URL(page.url()).pathname).toBe('/admin/users');
    expect(auditOf('login', 'alice').at(-1)).toMatchObject({ outcome: 'ok', channel: 'webauthn', rule: 'admin' });
  });

  it('signs in with a roaming key without user verification, with a code offered instead', async () => {
    const { context, page } = await personWith(ROAMING);
    await addKey(page, 'bob', 'Blue key');
    await toPasskeyPage(context, page, 'bob', '/reports');
    await expect.poll(() => page.getByRole('button', { name: tr.t('webauthn.send_code') }).count()).toBe(1);
    await usePasskey(page);
    expect(new URL(page.url()).pathname).toBe('/reports');
    // The account page says when it was last used.
    await page.goto(`${base}/_gate/account`);
    expect(await page.locator('.credential .hint').textContent()).toMatch(/last used/);
  });

  it('signs in with a passkey alone only where the rule allows passwordless', async () => {
    const { context, page } = await personWith(PLATFORM);
    await addKey(page, 'giulia', 'Telefono');
    await context.clearCookies({ name: 'otp_gate' });

    await page.goto(`${base}/reports`);
    expect(await page.getByRole('button', { name: tr.t('login.passkey') }).count()).toBe(0);
    expect(await page.getAttribute('#identifier', 'autocomplete')).toBe('username');
    // Asked for anyway, a passkey sign-in without a name is refused for this rule.
    const refused = await page.evaluate(async () => {
      const form = document.querySelector('form') as HTMLFormElement;
      const body = new URLSearchParams(new FormData(form) as unknown as Record<string, string>);
      body.set('mode', 'passkey');
      const res = await fetch('/_gate/webauthn/options', {
        method: 'POST',
        body,
        headers: { Accept: 'application/json' },
      });
      return res.status;
    });
    expect(refused).toBe(403);

    // The passkey offered as autofill in the name field (conditional mediation): the virtual
    // authenticator picks it at once, and the person is signed in without typing a name.
    const answers: number[] = [];
    page.on('response', (r) => {
      if (new URL(r.url()).pathname === '/desk/today') answers.push(r.status());
    });
    await page.goto(`${base}/desk/today`);
    await page.waitForURL(/\/desk\/today$/);
    await expect.poll(() => answers).toEqual([302, 200]);
    expect(auditOf('login', 'giulia').at(-1)).toMatchObject({ outcome: 'ok', channel: 'webauthn', rule: 'desk' });
  });

  it('refuses a cloned credential whose sign counter went back, and reports it in the audit', async () => {
    const { context, page, cdp, authenticatorId } = await personWith(PLATFORM);
    await addKey(page, 'carol', 'Laptop');
    await toPasskeyPage(context, page, 'carol', '/reports');
    await usePasskey(page);
    expect(new URL(page.url()).pathname).toBe('/reports');

    // The same key in a second authenticator that has signed fewer times: a copy.
    const { credentials } = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as {
      credentials: VirtualCredential[];
    };
    const original = credentials[0]!;
    expect(original.signCount).toBeGreaterThan(0);
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: original.credentialId });
    await cdp.send('WebAuthn.addCredential', { authenticatorId, credential: { ...original, signCount: 0 } });

    await toPasskeyPage(context, page, 'carol', '/reports');
    await usePasskey(page);
    expect(new URL(page.url()).pathname).toBe('/_gate/webauthn/verify');
    expect(await page.getByRole('alert').first().textContent()).toBe(tr.t('webauthn.refused_cloned'));
    expect(auditOf('webauthn_cloned', 'carol')).toEqual([
      expect.objectContaining({ outcome: 'refused', reason: 'cloned', rule: 'everyone' }),
    ]);
  });

  it('refuses a credential made for another RP ID', async () => {
    const { context, page, cdp, authenticatorId } = await personWith(PLATFORM);
    await addKey(page, 'dave', 'Tablet');
    // The same key, but bound to the app's own host instead of the gate's RP ID: another site.
    const { credentials } = (await cdp.send('WebAuthn.getCredentials', { authenticatorId })) as {
      credentials: VirtualCredential[];
    };
    await cdp.send('WebAuthn.removeCredential', { authenticatorId, credentialId: credentials[0]!.credentialId });
    await cdp.send('WebAuthn.addCredential', {
      authenticatorId,
      credential: { ...credentials[0]!, rpId: HOST },
    });

    await toPasskeyPage(context, page, 'dave', '/reports');
    // A page asking for the other site's credential, answering the gate's own challenge.
    await Promise.all([page.waitForEvent('load'), page.evaluate(signForOtherSite, HOST)]);
    expect(await page.getByRole('alert').first().textContent()).toBe(tr.t('webauthn.refused_rp_id'));
    expect(auditOf('login', 'dave').at(-1)).toMatchObject({ outcome: 'fail', reason: 'rp_id' });
  });

  it('has no accessibility violations on the passkey pages in every language', async () => {
    for (const language of LANGUAGES) {
      const { context, page } = await personWith(PLATFORM, language);
      const lt = texts(language.tag);
      await page.goto(`${base}/desk/x`);
      findings.push(...(await axeCheck(page, `login-passkey-${language.tag}`)));
      await screenshot(page, `login-passkey-${language.tag}`);
      await page.getByLabel(lt.t('login.identifier_label')).fill('alice');
      await page.getByRole('button', { name: lt.t('login.continue') }).click();
      await page.waitForURL(/\/_gate\/webauthn$/);
      findings.push(...(await axeCheck(page, `webauthn-${language.tag}`)));
      await screenshot(page, `webauthn-${language.tag}`);
      await context.close();
    }
    // The account page with a key listed, in each language (alice's browser signed in above).
    const { page } = await personWith(PLATFORM);
    await addKey(page, 'wei', '手机');
    for (const language of LANGUAGES) {
      await page.goto(`${base}/_gate/account?lang=${language.tag}`);
      findings.push(...(await axeCheck(page, `account-passkeys-${language.tag}`)));
      await screenshot(page, `account-passkeys-${language.tag}`);
    }
    expect(findings).toEqual([]);
  }, 180_000);
});

/**
 * Runs in the page: asks the gate for sign-in options, gets an assertion for `rpId` instead of the
 * gate's, and posts it as the passkey page's script would.
 */
async function signForOtherSite(rpId: string): Promise<void> {
  const bytes = (s: string) => Uint8Array.from(atob(s.replace(/-/g, '+').replace(/_/g, '/')), (c) => c.charCodeAt(0));
  const text = (b: ArrayBuffer) =>
    btoa(String.fromCharCode(...new Uint8Array(b)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  const form = document.querySelector('form[data-webauthn]') as HTMLFormElement;
  const body = new URLSearchParams({ csrf: (form.elements.namedItem('csrf') as HTMLInputElement).value });
  const options = (await (
    await fetch('/_gate/webauthn/options', { method: 'POST', body, headers: { Accept: 'application/json' } })
  ).json()) as { challenge: string; allowCredentials: { id: string }[] };
  const credential = (await navigator.credentials.get({
    publicKey: {
      rpId,
      challenge: bytes(options.challenge),
      allowCredentials: options.allowCredentials.map((c) => ({ type: 'public-key' as const, id: bytes(c.id) })),
    },
  })) as PublicKeyCredential;
  const r = credential.response as AuthenticatorAssertionResponse;
  (form.elements.namedItem('response') as HTMLInputElement).value = JSON.stringify({
    id: credential.id,
    rawId: text(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: text(r.clientDataJSON),
      authenticatorData: text(r.authenticatorData),
      signature: text(r.signature),
    },
    clientExtensionResults: {},
  });
  form.submit();
}
