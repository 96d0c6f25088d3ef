// Scanning with a signed-in phone in real browsers (issue 20): Chromium drives a desktop and a
// phone as two contexts. The phone "scans" by decoding the QR code the desktop page shows (jsQR
// over the image's pixels) and types the number the desktop shows; the desktop learns the answer
// by polling, or without JavaScript by its "I approved it" button. Deny, expiry, and a QR code
// relayed from another desktop (approved with the number the person sees on their own screen)
// sign nobody in.
import jsqr from 'jsqr';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { SCAN_POLICY } from '../helpers/scan-policy.js';
import { describeWithBinary, findBinary } from '../helpers/system-binary.js';
import {
  asShownWithoutJavaScript,
  axeCheck,
  LANGUAGES,
  OTP,
  phoneContext,
  texts,
  typeCode,
  useBrowserGate,
  USERS,
} from './browser-pages.js';

// jsqr's module.exports is the decoder itself; its types describe it as an ES default export.
const jsQR = jsqr as unknown as typeof jsqr.default;

const CHROMIUM = findBinary([process.env.CHROMIUM_PATH ?? '', '/usr/bin/chromium', '/usr/bin/chromium-browser']);
const en = LANGUAGES[0];
const tr = texts('en');

describeWithBinary('scanning with a signed-in phone', CHROMIUM, "Debian's chromium package", (executablePath) => {
  const clock = createManualClock(Date.now());
  const world = useBrowserGate(executablePath, {
    users: USERS,
    otp: OTP,
    clock,
    policy: SCAN_POLICY,
    extraConfig: 'approvals:\n  ttl: 2m\n  prompts_per_minute: 50\n',
  });
  const contexts: BrowserContext[] = [];
  afterAll(async () => {
    for (const context of contexts) await context.close();
  });

  async function context(javaScriptEnabled = true, bypassCSP = false): Promise<BrowserContext> {
    const made = await world.browser.newContext({ locale: en.browserLocale, javaScriptEnabled, bypassCSP });
    contexts.push(made);
    return made;
  }

  /** A phone signed in to the gate with a code. */
  async function signedInPhone(): Promise<Page> {
    const phone = await phoneContext(world.browser, en);
    contexts.push(phone);
    const page = await phone.newPage();
    const sent = world.gate.inbox.codesFor('alice').length;
    await page.goto(`${world.gate.url}/home`);
    await page.getByLabel(tr.t('login.identifier_label')).fill('alice');
    await page.getByRole('button', { name: tr.t('login.submit') }).click();
    await page.waitForURL(/\/_gate\/code$/);
    await typeCode(page, en, await world.gate.inbox.code('alice', sent + 1));
    expect(new URL(page.url()).pathname).toBe('/home');
    return page;
  }

  /** A desktop that asked for /desk/page as alice and waits on the QR page. */
  async function waitingDesktop(javaScriptEnabled = true, bypassCSP = false): Promise<Page> {
    const page = await (await context(javaScriptEnabled, bypassCSP)).newPage();
    await page.goto(`${world.gate.url}/desk/page`);
    await page.getByLabel(tr.t('login.identifier_label')).fill('alice');
    await page.getByRole('button', { name: tr.t('login.submit') }).click();
    await page.waitForURL(/\/_gate\/scan$/);
    return page;
  }

  /** What the phone's camera reads: the QR code's pixels, decoded. */
  async function scanQr(desktop: Page): Promise<string> {
    const image = await desktop.locator('#scan-qr').evaluate((img: HTMLImageElement) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const g = canvas.getContext('2d')!;
      g.drawImage(img, 0, 0);
      return {
        width: canvas.width,
        height: canvas.height,
        data: Array.from(g.getImageData(0, 0, canvas.width, canvas.height).data),
      };
    });
    const decoded = jsQR(Uint8ClampedArray.from(image.data), image.width, image.height);
    if (!decoded) throw new Error('the QR code on the desktop page does not decode');
    return decoded.data;
  }

  const numberOn = async (desktop: Page) => (await desktop.locator('#scan-number').textContent())!.trim();

  async function answerOnPhone(phone: Page, url: string, number: string | undefined, button: string): Promise<void> {
    await phone.goto(url);
    await expect.poll(() => phone.getByRole('heading', { level: 1 }).textContent()).toBe(tr.t('approve.heading'));
    if (number !== undefined) await phone.getByLabel(tr.t('approve.number_label')).fill(number);
    await phone.getByRole('button', { name: button }).click();
    await phone.waitForLoadState('load');
  }

  it('signs the desktop in when the phone scans its QR code and types its number', async () => {
    const phone = await signedInPhone();
    const desktop = await waitingDesktop();
    const url = await scanQr(desktop);
    expect(url).toMatch(new RegExp(`^${world.gate.url}/_gate/approve/[A-Za-z0-9_-]+$`));
    await answerOnPhone(phone, url, await numberOn(desktop), tr.t('approve.approve'));
    expect(await phone.textContent('main')).toContain(tr.t('approve.approved'));
    await desktop.waitForURL(`${world.gate.url}/desk/page`, { timeout: 15_000 });
  });

  it('tells the desktop the sign-in was denied when the phone denies', async () => {
    const phone = await signedInPhone();
    const desktop = await waitingDesktop();
    await answerOnPhone(phone, await scanQr(desktop), undefined, tr.t('approve.deny'));
    await expect
      .poll(() => desktop.locator('#scan-error').textContent(), { timeout: 15_000 })
      .toBe(tr.t('scan.denied'));
    expect(new URL(desktop.url()).pathname).toBe('/_gate/scan');
  });

  it("does not sign in a desktop whose QR code was relayed, approved with the number on the person's own screen", async () => {
    const phone = await signedInPhone();
    let attacker = await waitingDesktop();
    const own = await waitingDesktop();
    // The two numbers must differ for the person's number to be the wrong one for the relayed code.
    while ((await numberOn(attacker)) === (await numberOn(own))) attacker = await waitingDesktop();
    await answerOnPhone(phone, await scanQr(attacker), await numberOn(own), tr.t('approve.approve'));
    expect(await phone.textContent('main')).toContain(tr.t('approve.wrong_number'));
    await expect
      .poll(() => attacker.locator('#scan-error').textContent(), { timeout: 15_000 })
      .toBe(tr.t('scan.denied'));
    expect((await attacker.goto(`${world.gate.url}/desk/page`))?.url()).toContain('/_gate/login');
  });

  it('signs a desktop without JavaScript in by its "I approved it" button', async () => {
    const phone = await signedInPhone();
    const desktop = await waitingDesktop(false);
    const url = await desktop.locator('#approve-link').textContent();
    await answerOnPhone(phone, url!.trim(), await numberOn(desktop), tr.t('approve.approve'));
    await Promise.all([
      desktop.waitForEvent('load'),
      desktop.getByRole('button', { name: tr.t('scan.approved_button') }).click(),
    ]);
    expect(desktop.url()).toBe(`${world.gate.url}/desk/page`);
  });

  it('has no accessibility violations on the QR page and the approval page (axe-core)', async () => {
    const desktop = await waitingDesktop(true, true);
    const findings = await axeCheck(desktop, 'scan');
    const phone = await signedInPhone();
    await phone.goto(await scanQr(desktop));
    // The phone's context keeps its CSP; axe is injected into a copy of the page's HTML.
    const approvePage = await (await context(true, true)).newPage();
    await approvePage.setContent(asShownWithoutJavaScript(await phone.content(), world.gate.url));
    findings.push(...(await axeCheck(approvePage, 'approve')));
    expect(findings).toEqual([]);
  });

  it('expires: the desktop says so and the phone can no longer approve', async () => {
    const phone = await signedInPhone();
    const desktop = await waitingDesktop();
    const url = await scanQr(desktop);
    clock.advance(2 * 60_000);
    await expect
      .poll(() => desktop.locator('#scan-error').textContent(), { timeout: 15_000 })
      .toBe(tr.t('scan.expired'));
    await phone.goto(url);
    expect(await phone.textContent('main')).toContain(tr.t('approve.over'));
  });
});
