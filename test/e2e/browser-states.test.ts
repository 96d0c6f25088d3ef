// Every state of the sign-in pages in a real browser (issue 18): in each shipped language, with
// JavaScript on and off, each page is shown on a 390×844 phone and a 1280×800 desktop, light and
// dark; axe-core must find nothing on any of them, and a screenshot of each lands in
// test-artifacts/screenshots/ as state-locale-viewport-theme-js.png (js or nojs). One gate and
// one browser for all; a page is loaded once and then resized and re-coloured, not loaded four
// times, and axe runs all its rules on the first look and its size and colour rules on the others.
import { join } from 'node:path';

import { afterAll, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { describeWithBinary, findBinary } from '../helpers/system-binary.js';
import type { AxeFinding, Language } from './browser-pages.js';
import {
  asShownWithoutJavaScript,
  AXE_STYLE_RULES,
  axeCheck,
  DESKTOP,
  LANGUAGES,
  PHONE,
  reachCodePage,
  SCREENSHOTS,
  texts,
  typeCode,
  useBrowserGate,
  writeAxeReport,
  wrongCode,
} from './browser-pages.js';

const CHROMIUM = findBinary([process.env.CHROMIUM_PATH ?? '', '/usr/bin/chromium', '/usr/bin/chromium-browser']);

const VIEWPORTS = [
  { name: 'phone', size: PHONE },
  { name: 'desktop', size: DESKTOP },
] as const;
const THEMES = ['light', 'dark'] as const;
const JAVASCRIPT = [true, false] as const;

/**
 * The people of one walk: a, the wrong and dead code; b, resends up to the hourly cap; c, an
 * expired code and form; d, signed in. Pages with no script (c's and d's) are walked once, with
 * JavaScript on: without it they are the same page.
 */
const ROLES = ['a', 'b', 'c', 'd'] as const;
const userOf = (language: Language, js: boolean, role: (typeof ROLES)[number]) =>
  `u${LANGUAGES.indexOf(language)}${js ? 'j' : 'n'}${role}`;
const USERS = `users:\n${LANGUAGES.flatMap((language, l) =>
  JAVASCRIPT.flatMap((js, j) =>
    ROLES.map(
      (role, r) => `  ${userOf(language, js, role)}: { name: Person ${l}${j}${r}, phone: "+39 333 100 ${l}${j}${r}0" }`,
    ),
  ),
).join('\n')}\n`;

/** Two wrong tries kill a code; three sends an hour per person; codes live two minutes. */
const OTP =
  'ttl: 2m\nresend_after: 30s\nmax_attempts: 2\nlockout_after: 50\nmax_sends_per_hour: 3\nmax_sends_per_address_per_hour: 1000\nmax_sends_per_destination_per_hour: 1000\nmax_sends_per_prefix_per_hour: 1000';

describeWithBinary('every sign-in state, seen', CHROMIUM, "Debian's chromium package", (executablePath) => {
  // Hourly caps count in clock hours: start at the top of one, and the walks stay inside it.
  const HOUR = 3_600_000;
  const clock = createManualClock(Math.ceil(Date.now() / HOUR) * HOUR + 1_000);
  const world = useBrowserGate(executablePath, {
    users: USERS,
    otp: OTP,
    clock,
    extraConfig: 'totp:\n  keys: ["totp-test-key-0123456789-0123456789"]',
  });
  const findings: AxeFinding[] = [];
  const checked: string[] = [];
  afterAll(() => writeAxeReport(findings, checked));

  for (const language of LANGUAGES) {
    for (const js of JAVASCRIPT) {
      const tr = texts(language.tag);
      const user = (role: (typeof ROLES)[number]) => userOf(language, js, role);

      it(`walks every state in ${language.tag}, JavaScript ${js ? 'on' : 'off'}, with nothing for axe to find`, async () => {
        // bypassCSP only so axe-core can be injected; the pages are the same.
        const context = await world.browser.newContext({
          viewport: PHONE,
          locale: language.browserLocale,
          javaScriptEnabled: js,
          bypassCSP: true,
        });
        const page = await context.newPage();
        // axe-core needs JavaScript: without it, it checks a copy of the page's HTML as the
        // browser showed it (no script ran, <noscript> shown) in a page of its own.
        const copy = js ? page : await (await world.browser.newContext({ bypassCSP: true })).newPage();
        const mine: AxeFinding[] = [];
        const capture = async (state: string, heading: string) => {
          await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe(heading);
          if (!js) await copy.setContent(asShownWithoutJavaScript(await page.content(), world.gate.url));
          for (const theme of THEMES) {
            for (const shown of new Set([page, copy])) await shown.emulateMedia({ colorScheme: theme });
            for (const viewport of VIEWPORTS) {
              for (const shown of new Set([page, copy])) await shown.setViewportSize(viewport.size);
              const name = `${state}-${language.tag}-${viewport.name}-${theme}-${js ? 'js' : 'nojs'}`;
              await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
              checked.push(name);
              // Every rule on the first look; then the page is the same but for its size and colours.
              const first = theme === THEMES[0] && viewport === VIEWPORTS[0];
              mine.push(...(await axeCheck(copy, name, first ? undefined : AXE_STYLE_RULES)));
            }
          }
          await page.setViewportSize(PHONE);
        };
        /** A page with no script is the same page with JavaScript off: seen once, in the walk with it on. */
        const captureScriptless = async (state: string, heading: string) => {
          expect(await page.locator('script, noscript').count()).toBe(0);
          await capture(state, heading);
        };
        const goto = async (path: string) => {
          await page.goto(`${world.gate.url}${path}`);
        };

        await goto('/reports/q3');
        await capture('login', tr.t('login.heading'));

        // a: the code page (resend locked while it counts down), a wrong code, the code dead.
        const code = await reachCodePage(page, world.gate, language, user('a'));
        await capture('code', tr.t('code.heading'));
        await typeCode(page, language, wrongCode(code), js);
        await capture('code-wrong', tr.t('code.heading'));
        await typeCode(page, language, wrongCode(code), js);
        expect(await page.textContent('#code-error')).toBe(tr.t('code.dead'));
        await capture('code-dead', tr.t('code.heading'));

        // b: resends up to the hourly cap; then signing in again is refused.
        // Each person signs in as from a browser of their own: a flow left behind holds its cooldown.
        await context.clearCookies();
        await reachCodePage(page, world.gate, language, user('b'));
        const resend = page.locator('#resend');
        for (let sent = 1; sent <= 3; sent++) {
          clock.advance(31_000);
          await page.reload();
          await Promise.all([page.waitForEvent('load'), resend.click()]);
        }
        await expect.poll(() => page.locator('#resend-refusal').count()).toBe(1);
        await capture('code-limited', tr.t('code.heading'));
        await goto('/reports/q3');
        await page.getByLabel(tr.t('login.identifier_label')).fill(user('b'));
        await Promise.all([
          page.waitForEvent('load'),
          page.getByRole('button', { name: tr.t('login.submit') }).click(),
        ]);
        await capture('login-error', tr.t('login.heading'));

        if (js) {
          // c: a code typed after it expired; a form sent after its session cookie was gone.
          await context.clearCookies();
          const late = await reachCodePage(page, world.gate, language, user('c'));
          clock.advance(3 * 60_000);
          await typeCode(page, language, late, js);
          await captureScriptless('code-expired', tr.t('errors.code_expired_heading'));
          await goto('/reports/q3');
          await page.getByLabel(tr.t('login.identifier_label')).fill(user('c'));
          await context.clearCookies();
          await Promise.all([
            page.waitForEvent('load'),
            page.getByRole('button', { name: tr.t('login.submit') }).click(),
          ]);
          await captureScriptless('form-expired', tr.t('errors.csrf_heading'));

          // d: signed in: a page the account may not open, the account, TOTP set-up, signing out.
          await context.clearCookies();
          const right = await reachCodePage(page, world.gate, language, user('d'));
          await typeCode(page, language, right, js);
          await page.waitForURL(/\/reports\/q3\?year=2026$/);
          await goto('/admin/panel');
          await captureScriptless('forbidden', tr.t('errors.forbidden_heading'));
          await goto('/_gate/account');
          await captureScriptless('account', tr.t('account.heading'));
          await goto('/_gate/totp');
          await captureScriptless('totp', tr.t('totp.heading'));
          await goto('/_gate/logout');
          await captureScriptless('logout', tr.t('logout.heading'));
          await Promise.all([
            page.waitForEvent('load'),
            page.getByRole('button', { name: tr.t('logout.submit') }).click(),
          ]);
          await captureScriptless('signed-out', tr.t('message.signed_out_heading'));
        }

        await context.close();
        if (copy !== page) await copy.context().close();
        findings.push(...mine);
        expect(mine).toEqual([]);
      }, 240_000);
    }
  }
});
