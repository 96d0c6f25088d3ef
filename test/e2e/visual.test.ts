// Visual regression of the sign-in pages (issue 18): a few pages, in English with JavaScript on,
// compared pixel by pixel with the reference images in test/e2e/visual-reference/. Rendering is
// held still: a fixed clock for the gate and the browser (the resend countdown does not move),
// no animation, no caret, and Debian's DejaVu fonts. A page that differs writes what it showed
// and the difference to test-artifacts/visual/. After a deliberate change of the pages:
//   UPDATE_VISUAL=1 CI=true npx vitest run test/e2e/visual.test.ts
// and look at the new images before committing them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import pixelmatch from 'pixelmatch';
import type { BrowserContext, Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { beforeAll, expect, it } from 'vitest';

import { createManualClock } from '../../src/shared/clock.js';
import { describeWithBinary, findBinary } from '../helpers/system-binary.js';
import {
  ARTIFACTS,
  DESKTOP,
  LANGUAGES,
  LAUNCH_ARGS,
  PHONE,
  reachCodePage,
  texts,
  typeCode,
  useBrowserGate,
  USERS,
  wrongCode,
} from './browser-pages.js';

const CHROMIUM = findBinary([process.env.CHROMIUM_PATH ?? '', '/usr/bin/chromium', '/usr/bin/chromium-browser']);
const REFERENCE = join(import.meta.dirname, 'visual-reference');
const DIFFERENCES = join(ARTIFACTS, 'visual');
const UPDATE = process.env.UPDATE_VISUAL === '1';
/** Per-pixel colour distance pixelmatch forgives (anti-aliasing), and the share of pixels that may differ. */
const PIXEL_THRESHOLD = 0.1;
const MAX_DIFFERING = 0.002;

const START = Date.parse('2026-03-02T09:00:00Z');
const OTP =
  'ttl: 5m\nresend_after: 30s\nmax_attempts: 2\nlockout_after: 50\nmax_sends_per_hour: 1000\nmax_sends_per_address_per_hour: 1000\nmax_sends_per_destination_per_hour: 1000\nmax_sends_per_prefix_per_hour: 1000';
const en = LANGUAGES[0];
const tr = texts('en');

type Look = { viewport: 'phone' | 'desktop'; theme: 'light' | 'dark' };

describeWithBinary('how the pages look', CHROMIUM, "Debian's chromium package", (executablePath) => {
  const clock = createManualClock(START);
  const world = useBrowserGate(executablePath, { users: USERS, otp: OTP, clock }, [
    ...LAUNCH_ARGS,
    '--font-render-hinting=none',
  ]);
  let context: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    context = await world.browser.newContext({ viewport: PHONE, locale: en.browserLocale, reducedMotion: 'reduce' });
    // The page's countdown runs on the browser's clock: held at the second the code was sent.
    await context.clock.install({ time: START });
    await context.clock.pauseAt(START + 1_000);
    page = await context.newPage();
  });

  const matches = async (name: string, looks: readonly Look[]) => {
    for (const look of looks) {
      await page.emulateMedia({ colorScheme: look.theme });
      await page.setViewportSize(look.viewport === 'phone' ? PHONE : DESKTOP);
      const file = `${name}-${look.viewport}-${look.theme}.png`;
      const shot = await page.screenshot({ animations: 'disabled', caret: 'hide' });
      const reference = join(REFERENCE, file);
      if (UPDATE || !existsSync(reference)) {
        mkdirSync(REFERENCE, { recursive: true });
        writeFileSync(reference, shot);
        if (!UPDATE) throw new Error(`no reference image ${file}: written now; look at it and commit it`);
        continue;
      }
      const expected = PNG.sync.read(readFileSync(reference));
      const actual = PNG.sync.read(shot);
      expect([actual.width, actual.height], file).toEqual([expected.width, expected.height]);
      const diff = new PNG({ width: expected.width, height: expected.height });
      const differing = pixelmatch(expected.data, actual.data, diff.data, expected.width, expected.height, {
        threshold: PIXEL_THRESHOLD,
      });
      if (differing > MAX_DIFFERING * expected.width * expected.height) {
        mkdirSync(DIFFERENCES, { recursive: true });
        writeFileSync(join(DIFFERENCES, file.replace('.png', '-actual.png')), shot);
        writeFileSync(join(DIFFERENCES, file.replace('.png', '-diff.png')), PNG.sync.write(diff));
      }
      expect(differing, `${file}: pixels that differ (see ${DIFFERENCES})`).toBeLessThanOrEqual(
        MAX_DIFFERING * expected.width * expected.height,
      );
    }
    await page.setViewportSize(PHONE);
  };

  it('shows the sign-in page as it did', async () => {
    await page.goto(`${world.gate.url}/reports/q3`);
    await matches('login', [
      { viewport: 'phone', theme: 'light' },
      { viewport: 'desktop', theme: 'dark' },
    ]);
  });

  it('shows the code page, and the code dead after the last wrong try, as they did', async () => {
    const code = await reachCodePage(page, world.gate, en, 'alice');
    // The send may finish just after the page is drawn, and the held clock stops the status line's
    // polling: once the gate says it was sent, the page drawn again shows where it settles.
    const state = () => page.evaluate(() => fetch('/_gate/code/status').then(async (r) => (await r.json()).state));
    await expect.poll(state, { timeout: 10_000 }).toBe('sent');
    await page.reload();
    expect(await page.textContent('#delivery-status')).toBe(
      tr.t('delivery.sent', { via: tr.t('delivery.channel_console') }),
    );
    await matches('code', [
      { viewport: 'phone', theme: 'light' },
      { viewport: 'phone', theme: 'dark' },
      { viewport: 'desktop', theme: 'light' },
    ]);
    await typeCode(page, en, wrongCode(code));
    await typeCode(page, en, wrongCode(code));
    expect(await page.textContent('#code-error')).toBe(tr.t('code.dead'));
    await matches('code-dead', [{ viewport: 'phone', theme: 'light' }]);
  });

  it('shows an error page as it did', async () => {
    await context.clearCookies();
    const code = await reachCodePage(page, world.gate, en, 'erin');
    clock.advance(6 * 60_000);
    await typeCode(page, en, code);
    await expect.poll(() => page.textContent('h1')).toBe(tr.t('errors.code_expired_heading'));
    await matches('code-expired', [
      { viewport: 'phone', theme: 'dark' },
      { viewport: 'desktop', theme: 'light' },
    ]);
  });
});
