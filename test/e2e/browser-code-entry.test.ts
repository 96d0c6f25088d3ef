// The six code slots in a real browser (issue 18): drawn over the one real input, they follow
// typing, backspace and paste, and the input underneath keeps its label and value; without
// JavaScript the plain input does the job.
import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';

import { describeWithBinary, findBinary } from '../helpers/system-binary.js';
import {
  LANGUAGES,
  OTP,
  phoneContext,
  reachCodePage,
  texts,
  typeCode,
  useBrowserGate,
  USERS,
} from './browser-pages.js';

const CHROMIUM = findBinary([process.env.CHROMIUM_PATH ?? '', '/usr/bin/chromium', '/usr/bin/chromium-browser']);
const en = LANGUAGES[0];
const tr = texts('en');

describeWithBinary('the code slots', CHROMIUM, "Debian's chromium package", (executablePath) => {
  const world = useBrowserGate(executablePath, { users: USERS, otp: OTP });

  const slots = (page: Page) => page.locator('.slots .slot').allTextContents();
  const active = (page: Page) =>
    page.locator('.slots .slot.active').evaluate((s) => [...s.parentNode!.children].indexOf(s));

  it('show each typed digit in its slot and the next slot as active, and go back one on backspace', async () => {
    const context = await phoneContext(world.browser, en);
    const page = await context.newPage();
    await reachCodePage(page, world.gate, en, 'alice');
    const input = page.getByRole('textbox', { name: tr.t('code.label') });
    // The real input has the focus (autofocus survives being moved under the slots).
    await expect.poll(() => page.evaluate(() => document.activeElement?.id)).toBe('code');
    expect(await slots(page)).toEqual(['', '', '', '', '', '']);
    await page.keyboard.type('1 2-3');
    expect(await slots(page)).toEqual(['1', '2', '3', '', '', '']);
    expect(await input.inputValue()).toBe('123');
    expect(await active(page)).toBe(3);
    await page.keyboard.press('Backspace');
    expect(await slots(page)).toEqual(['1', '2', '', '', '', '']);
    expect(await active(page)).toBe(2);
    // Screen readers read the input, not the drawn slots.
    expect(await page.locator('.slots .row').getAttribute('aria-hidden')).toBe('true');
    expect(await input.getAttribute('autocomplete')).toBe('one-time-code');
    await context.close();
  });

  it('take a pasted code with its spaces and submit it, signing in', async () => {
    const context = await phoneContext(world.browser, en, { permissions: ['clipboard-read', 'clipboard-write'] });
    const page = await context.newPage();
    const code = await reachCodePage(page, world.gate, en, 'bob');
    await page.evaluate((text) => navigator.clipboard.writeText(text), `${code.slice(0, 3)} ${code.slice(3)}`);
    await page.getByRole('textbox', { name: tr.t('code.label') }).focus();
    await Promise.all([page.waitForURL(/\/reports\/q3\?year=2026$/), page.keyboard.press('ControlOrMeta+V')]);
    expect(await page.textContent('body')).toContain('"remote-user":"bob"');
    await context.close();
  });

  it('are not drawn without JavaScript: the plain input takes the code and Verify signs in', async () => {
    const context = await phoneContext(world.browser, en, { javaScriptEnabled: false });
    const page = await context.newPage();
    const code = await reachCodePage(page, world.gate, en, 'nina');
    expect(await page.locator('.slots').count()).toBe(0);
    const box = await page.getByRole('textbox', { name: tr.t('code.label') }).boundingBox();
    // A field a code fits in, not a sliver: the whole column wide, a line of large digits high.
    expect(box!.width).toBeGreaterThan(300);
    expect(box!.height).toBeGreaterThan(40);
    await typeCode(page, en, code, false);
    await page.waitForURL(/\/reports\/q3\?year=2026$/);
    expect(await page.textContent('body')).toContain('"remote-user":"nina"');
    await context.close();
  });
});
