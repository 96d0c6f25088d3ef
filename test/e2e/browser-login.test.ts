// The challenge flow in a real browser (Debian's Chromium driven by playwright-core).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { TestGate } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import { describeWithBinary, findBinary } from '../helpers/system-binary.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');
const CHROMIUM = findBinary([process.env.CHROMIUM_PATH ?? '', '/usr/bin/chromium', '/usr/bin/chromium-browser']);

describeWithBinary('signing in with a real browser', CHROMIUM, "Debian's chromium package", (executablePath) => {
  let upstream: TestUpstream;
  let gate: TestGate;
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    upstream = await startUpstream();
    gate = await startTestGate({ upstream: upstream.url });
    browser = await chromium.launch({
      executablePath,
      args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  afterAll(async () => {
    await browser?.close();
    await gate?.close();
    await upstream?.close();
  });

  it('gets from a protected URL to the app with only the code typed', async () => {
    const page = await browser.newPage({ viewport: { width: 390, height: 844 } });
    await page.goto(`${gate.url}/reports/q3?year=2026`);
    expect(new URL(page.url()).pathname).toBe('/_gate/login');
    await page.screenshot({ path: join(ARTIFACTS, 'login.png') });

    await page.getByLabel('Username or phone number').fill('alice');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.waitForURL(/\/_gate\/code$/);
    expect(await page.textContent('main')).toContain('+39 ••• ••• 0001');
    await page.screenshot({ path: join(ARTIFACTS, 'code.png') });

    const code = await gate.inbox.code('alice', gate.inbox.codesFor('alice').length || 1);
    await page.getByLabel('One-time code').fill(code);
    await page.getByRole('button', { name: 'Verify' }).click();
    await page.waitForURL(/\/reports\/q3\?year=2026$/);
    const body = JSON.parse((await page.textContent('body')) ?? '{}');
    expect(body.headers['remote-user']).toBe('alice');
    await page.close();
  });

  it('shows a wrong code as an announced error with tries left', async () => {
    const page = await browser.newPage();
    await page.goto(`${gate.url}/`);
    await page.getByLabel('Username or phone number').fill('bob');
    await page.getByRole('button', { name: 'Send code' }).click();
    await page.waitForURL(/\/_gate\/code$/);
    const code = await gate.inbox.code('bob');
    await page.getByLabel('One-time code').fill(String((Number(code) + 1) % 1_000_000).padStart(6, '0'));
    await page.getByRole('button', { name: 'Verify' }).click();
    const alert = page.getByRole('alert');
    expect(await alert.textContent()).toContain('4 tries left');
    await page.screenshot({ path: join(ARTIFACTS, 'wrong-code.png') });
    await page.close();
  });
});
