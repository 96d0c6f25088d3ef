// More factors in a real browser (Debian's Chromium, playwright-core): password then code for an
// admin area, a step-up 10 minutes later that keeps the form the person was sending and sends it
// again after the sign-in, "trust this browser", and axe-core on the new pages.
import http from 'node:http';
import type { AddressInfo } from 'node:net';

import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { adminRule, PASSWORD, PASSWORD_HASH } from '../helpers/factors.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { describeWithBinary, findBinary } from '../helpers/system-binary.js';
import { codeFor } from '../helpers/totp-codes.js';
import type { AxeFinding } from './browser-pages.js';
import { axeCheck, LANGUAGES, LAUNCH_ARGS, OTP, phoneContext, screenshot, texts, typeCode } from './browser-pages.js';

const CHROMIUM = findBinary([process.env.CHROMIUM_PATH ?? '', '/usr/bin/chromium', '/usr/bin/chromium-browser']);
const EN = LANGUAGES[0];
const tr = texts('en');

const POLICY = `
rules:
${adminRule()}  - name: everyone
    action: challenge
    trusted_device: 30d
`;

/** An app that cannot be changed: a form page, and a handler that says what it received. */
async function startFormApp(): Promise<{ url: string; received: string[]; close(): Promise<void> }> {
  const received: string[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      res.setHeader('content-type', 'text/html; charset=utf-8');
      if (req.method === 'POST') {
        received.push(body);
        res.end(`<!doctype html><title>Saved</title><h1>Saved</h1><p id="got">${body.replace(/[<>&]/g, '')}</p>`);
        return;
      }
      res.end(
        '<!doctype html><title>Edit</title><h1>Edit user</h1><form method="post" action="/admin/save"><label>Name <input name="name"></label><button>Save</button></form>',
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    received,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

describeWithBinary('more factors in a real browser', CHROMIUM, "Debian's chromium package", (executablePath) => {
  const clock = createManualClock(Date.now());
  let app: Awaited<ReturnType<typeof startFormApp>>;
  let gate: TestGate;
  let browser: Browser;
  const findings: AxeFinding[] = [];

  beforeAll(async () => {
    app = await startFormApp();
    gate = await startTestGate({
      upstream: app.url,
      clock,
      otp: OTP,
      policy: POLICY,
      extraConfig: 'totp:\n  keys: ["totp-test-key-0123456789-0123456789"]',
      users: `users:\n  alice: { name: Alice Example, phone: "+39 333 000 0001", password: "${PASSWORD_HASH}" }\n`,
    });
    browser = await chromium.launch({ executablePath, args: LAUNCH_ARGS });
  });
  afterAll(async () => {
    await browser?.close();
    await gate?.close();
    await app?.close();
  });

  /** The sign-in page as the person meets it: name and password, then the code that was sent. */
  async function passwordAndCode(page: Page): Promise<void> {
    const sent = gate.inbox.codesFor('alice').length;
    await page.getByLabel(tr.t('login.identifier_label')).fill('alice');
    await page.getByLabel(tr.t('login.password_label')).fill(PASSWORD);
    await page.getByRole('button', { name: tr.t('login.submit') }).click();
    await page.waitForURL(/\/_gate\/code$/);
    await typeCode(page, EN, await gate.inbox.code('alice', sent + 1));
  }

  it('signs in with password and code, then after 10 minutes asks again and sends the kept form', async () => {
    // The gate's CSP in force: the resume page's script must run under it.
    const page = await (await phoneContext(browser, EN)).newPage();
    await page.goto(`${gate.url}/admin/edit`);
    expect(await page.getAttribute('#password', 'autocomplete')).toBe('current-password');
    await screenshot(page, 'login-password-en');
    await passwordAndCode(page);
    await page.waitForURL(/\/admin\/edit$/);

    clock.advance(11 * 60_000);
    await page.getByLabel('Name').fill('Bob Builder');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.waitForURL(/\/_gate\/login\?rd=%2Fadmin%2Fsave$/);
    expect(app.received).toEqual([]);
    expect(await page.inputValue('#identifier')).toBe('alice');
    await passwordAndCode(page);
    // The resume page posts the form again by itself: the app gets what was typed, once.
    await page.waitForURL(/\/admin\/save$/);
    await expect.poll(() => page.textContent('#got')).toBe('name=Bob+Builder');
    expect(app.received).toEqual(['name=Bob+Builder']);
  });

  it('trusts this browser when asked, and then continues without a code', async () => {
    // bypassCSP only so axe-core can be injected; the pages are the same.
    const context = await phoneContext(browser, EN, { bypassCSP: true });
    const page = await context.newPage();
    await page.goto(`${gate.url}/reports`);
    const sent = gate.inbox.codesFor('alice').length;
    await page.getByLabel(tr.t('login.identifier_label')).fill('alice');
    await page.getByRole('button', { name: tr.t('login.submit') }).click();
    await page.waitForURL(/\/_gate\/code$/);
    findings.push(...(await axeCheck(page, 'code-trust-en')));
    await screenshot(page, 'code-trust-en');
    await page.getByLabel(tr.plural('code.trust_browser', 30, { days: 30 })).check();
    await typeCode(page, EN, await gate.inbox.code('alice', sent + 1));
    await page.waitForURL(/\/reports$/);

    await context.clearCookies({ name: 'otp_gate' });
    await page.goto(`${gate.url}/reports/q4`);
    const button = page.getByRole('button', { name: `${tr.t('login.device_continue')} Alice Example` });
    findings.push(...(await axeCheck(page, 'login-trusted-en')));
    await screenshot(page, 'login-trusted-en');
    await button.click();
    await page.waitForURL(/\/reports\/q4$/);
    expect(gate.inbox.codesFor('alice').length).toBe(sent + 1);
  });

  it('sets up an authenticator app from its page, typing the key shown', async () => {
    // bypassCSP only so axe-core can be injected; the pages are the same.
    const page = await (await phoneContext(browser, EN, { bypassCSP: true })).newPage();
    await page.goto(`${gate.url}/_gate/totp`);
    const sent = gate.inbox.codesFor('alice').length;
    await page.getByLabel(tr.t('login.identifier_label')).fill('alice');
    await page.getByRole('button', { name: tr.t('login.submit') }).click();
    await page.waitForURL(/\/_gate\/code$/);
    await typeCode(page, EN, await gate.inbox.code('alice', sent + 1));
    await page.waitForURL(/\/_gate\/totp$/);
    expect(await page.locator('img[src^="data:image/png"]').count()).toBe(1);
    findings.push(...(await axeCheck(page, 'totp-setup-en')));
    await screenshot(page, 'totp-setup-en');
    const secret = ((await page.textContent('#totp-secret')) ?? '').replace(/ /g, '');
    await page.getByLabel(tr.t('totp.code_label')).fill(codeFor(secret, clock.now()));
    await page.getByRole('button', { name: tr.t('totp.confirm') }).click();
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(tr.t('totp.done_heading'));

    await page.goto(`${gate.url}/_gate/account`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(tr.t('account.heading'));
    expect(await page.getByText(tr.t('account.totp_enrolled')).count()).toBe(1);
    findings.push(...(await axeCheck(page, 'account-en')));
    await screenshot(page, 'account-en');
  });

  it('has no accessibility violations on the password sign-in page', async () => {
    const page = await (await phoneContext(browser, EN, { bypassCSP: true })).newPage();
    await page.goto(`${gate.url}/admin/edit`);
    findings.push(...(await axeCheck(page, 'login-password-en')));
    expect(findings).toEqual([]);
  });
});
