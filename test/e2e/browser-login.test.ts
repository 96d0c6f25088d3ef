// The challenge flow in a real browser (Debian's Chromium driven by playwright-core): on a phone
// screen in each shipped language, wrong and expired codes, lockout, an unreachable app, resend,
// the language switch, JavaScript off, and axe-core's accessibility check. Screenshots of every
// page per language go to test-artifacts/screenshots/ (git-ignored).
import type { Browser, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { describeWithBinary, findBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';
import type { AxeFinding, Language } from './browser-pages.js';
import {
  axeCheck,
  LANGUAGES,
  LAUNCH_ARGS,
  OTP,
  phoneContext,
  reachCodePage,
  screenshot,
  texts,
  typeCode,
  USERS,
  writeAxeReport,
  wrongCode,
} from './browser-pages.js';

const CHROMIUM = findBinary([process.env.CHROMIUM_PATH ?? '', '/usr/bin/chromium', '/usr/bin/chromium-browser']);

describeWithBinary('signing in with a real browser', CHROMIUM, "Debian's chromium package", (executablePath) => {
  const clock = createManualClock(Date.now());
  let upstream: TestUpstream;
  let gate: TestGate;
  /** A gate whose app is down: its bypassed paths answer 502. */
  let downGate: TestGate;
  let browser: Browser;
  const findings: AxeFinding[] = [];
  const checkedPages: string[] = [];

  beforeAll(async () => {
    upstream = await startUpstream();
    gate = await startTestGate({ upstream: upstream.url, users: USERS, otp: OTP, clock });
    downGate = await startTestGate({ upstream: 'http://127.0.0.1:9', users: USERS, otp: OTP });
    browser = await chromium.launch({ executablePath, args: LAUNCH_ARGS });
  });
  afterAll(async () => {
    writeAxeReport(findings, checkedPages);
    await browser?.close();
    await gate?.close();
    await downGate?.close();
    await upstream?.close();
  });

  const expectLanguage = async (page: Page, language: Language, heading: string) => {
    expect(await page.getAttribute('html', 'lang')).toBe(language.tag);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(heading);
  };

  for (const language of LANGUAGES) {
    const tr = texts(language.tag);

    describe(`in ${tr.t('language.name')} (${language.tag})`, () => {
      it('gets from the protected URL to the app on a phone with only the code typed, after one wrong code', async () => {
        const context = await phoneContext(browser, language);
        const page = await context.newPage();
        await page.goto(`${gate.url}/reports/q3?year=2026`);
        await expectLanguage(page, language, tr.t('login.heading'));
        await screenshot(page, `login-${language.tag}`);

        const sent = gate.inbox.codesFor(language.user).length;
        await page.getByLabel(tr.t('login.identifier_label')).fill(language.user);
        await page.getByRole('button', { name: tr.t('login.submit') }).click();
        await page.waitForURL(/\/_gate\/code$/);
        await expectLanguage(page, language, tr.t('code.heading'));
        const main = (await page.textContent('main')) ?? '';
        expect(main).toContain(language.phone);
        expect(main).toContain(tr.t('code.arrival', { validity: tr.plural('time.minutes', 5) }));
        // The words before the number: the countdown may already have ticked.
        expect(main).toContain(tr.raw('code.resend_wait_other').split('{seconds}')[0]);
        await screenshot(page, `code-${language.tag}`);

        const code = await gate.inbox.code(language.user, sent + 1);
        await typeCode(page, language, wrongCode(code));
        const alert = page.getByRole('alert');
        // Two left: lockout_after (3) is nearer than max_attempts (5).
        expect(await alert.textContent()).toBe(tr.plural('code.wrong', 2, { tries: 2 }));
        await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
        expect(await page.getAttribute('#code', 'aria-describedby')).toContain('code-error');
        await screenshot(page, `wrong-code-${language.tag}`);

        await typeCode(page, language, code.replace(/^(\d{3})/, '$1 '));
        await page.waitForURL(/\/reports\/q3\?year=2026$/);
        await expect.poll(() => page.textContent('body')).toContain(`"remote-user":"${language.user}"`);
        await context.close();
      });

      it('explains an expired code, a lockout and an unreachable app, each with a way forward', async () => {
        const context = await phoneContext(browser, language);
        const page = await context.newPage();

        const code = await reachCodePage(page, gate, language, language.user);
        clock.advance(6 * 60_000);
        await typeCode(page, language, code);
        await expectLanguage(page, language, tr.t('errors.code_expired_heading'));
        expect(await page.getByRole('alert').textContent()).toBe(tr.t('errors.code_expired_text'));
        await screenshot(page, `expired-${language.tag}`);
        await page.getByRole('link', { name: tr.t('errors.code_expired_link') }).click();
        await expectLanguage(page, language, tr.t('login.heading'));

        const lockCode = await reachCodePage(page, gate, language, language.lockUser);
        await typeCode(page, language, wrongCode(lockCode));
        await typeCode(page, language, wrongCode(lockCode));
        await typeCode(page, language, wrongCode(lockCode));
        await expectLanguage(page, language, tr.t('errors.locked_out_heading'));
        expect(await page.getByRole('alert').textContent()).toBe(
          tr.t('errors.locked_out_text', { wait: tr.plural('time.minutes', 15) }),
        );
        await screenshot(page, `locked-out-${language.tag}`);
        await expect(page.getByRole('link', { name: tr.t('errors.back_to_sign_in') }).count()).resolves.toBe(1);

        const res = await page.goto(`${downGate.url}/public/report`);
        expect(res?.status()).toBe(502);
        await expectLanguage(page, language, tr.t('errors.upstream_unreachable_heading'));
        await expect(page.getByRole('link', { name: tr.t('errors.try_again') }).getAttribute('href')).resolves.toBe(
          '/public/report',
        );
        await screenshot(page, `unreachable-${language.tag}`);
        await context.close();
      });

      it('has no serious or critical accessibility violations on the login, code and error pages', async () => {
        // bypassCSP only so axe-core can be injected; the pages are the same.
        const context = await phoneContext(browser, language, { bypassCSP: true });
        const page = await context.newPage();
        const check = async (name: string) => {
          checkedPages.push(`${name}-${language.tag}`);
          findings.push(...(await axeCheck(page, `${name}-${language.tag}`)));
        };
        const code = await reachCodePage(page, gate, language, language.user);
        await check('code');
        await typeCode(page, language, wrongCode(code));
        await check('wrong-code');
        clock.advance(6 * 60_000);
        await typeCode(page, language, '000000');
        await check('expired');
        await page.goto(`${gate.url}/_gate/login`);
        await check('login');
        await page.goto(`${downGate.url}/public/report`);
        await check('unreachable');
        // Locked out by the test before: the login page answers with an announced error.
        await page.goto(`${gate.url}/_gate/login`);
        await page.getByLabel(tr.t('login.identifier_label')).fill(language.lockUser);
        await page.getByRole('button', { name: tr.t('login.submit') }).click();
        await expect
          .poll(() => page.getByRole('alert').textContent())
          .toContain(tr.t('refusal.locked_out', { wait: '' }).slice(0, 6));
        await check('login-error');
        await context.close();
        const blocking = findings.filter(
          (f) => f.page.endsWith(`-${language.tag}`) && (f.impact === 'serious' || f.impact === 'critical'),
        );
        expect(blocking).toEqual([]);
      });
    });
  }

  it('switches language with the links on the page, without JavaScript, and remembers the choice', async () => {
    const context = await phoneContext(browser, LANGUAGES[0], { javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(`${gate.url}/reports/q3`);
    await page.getByRole('navigation', { name: 'Language' }).getByRole('link', { name: 'Italiano' }).click();
    await expectLanguage(page, LANGUAGES[1], texts('it').t('login.heading'));
    expect(new URL(page.url()).searchParams.get('rd')).toBe('/reports/q3');
    await page.goto(`${gate.url}/_gate/login`);
    expect(await page.getAttribute('html', 'lang')).toBe('it');
    await page.getByRole('link', { name: '简体中文' }).click();
    await expectLanguage(page, LANGUAGES[2], texts('zh-CN').t('login.heading'));
    await context.close();
  });

  it('signs in with JavaScript disabled', async () => {
    const en = LANGUAGES[0];
    const context = await phoneContext(browser, en, { javaScriptEnabled: false });
    const page = await context.newPage();
    const code = await reachCodePage(page, gate, en, 'bob');
    expect(await page.textContent('#resend-hint')).toBe('You can ask for a new code in 30 seconds.');
    await screenshot(page, 'code-no-javascript-en');
    await typeCode(page, en, code, false);
    await page.waitForURL(/\/reports\/q3\?year=2026$/);
    expect(await page.textContent('body')).toContain('"remote-user":"bob"');
    await context.close();
  });

  it('counts down to a resend, sends a new code, and signs in with it', async () => {
    const en = LANGUAGES[0];
    const context = await phoneContext(browser, en);
    // The page's countdown runs on the browser's clock: held still, and moved on below together with the gate's.
    const start = Date.now();
    await context.clock.install({ time: start });
    await context.clock.pauseAt(start + 1_000);
    const page = await context.newPage();
    const first = await reachCodePage(page, gate, en, 'nina');
    const hint = page.locator('#resend-hint');
    const resend = page.getByRole('button', { name: 'Send a new code', exact: true });
    expect(await hint.textContent()).toBe('You can ask for a new code in 30 seconds.');
    expect(await resend.isDisabled()).toBe(true);
    await page.clock.runFor(2_000);
    expect(await hint.textContent()).toMatch(/in 2[0-9] seconds\.$/);

    clock.advance(31_000);
    await page.clock.runFor(30_000);
    expect(await resend.isEnabled()).toBe(true);
    await Promise.all([page.waitForEvent('load'), resend.click()]);
    await page.waitForURL(/\/_gate\/code$/);
    const second = await gate.inbox.code('nina', 2);
    expect(second).not.toBe(first);
    await typeCode(page, en, second);
    await page.waitForURL(/\/reports\/q3\?year=2026$/);
    expect(await page.textContent('body')).toContain('"remote-user":"nina"');
    await screenshot(page, 'app-after-resend-en');
    await context.close();
  });
});
