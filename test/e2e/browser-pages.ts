// Shared steps of the real-browser tests: a gate with a hand-moved clock, per-locale users, a
// walk through the sign-in pages, screenshots, and the axe-core accessibility check.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';

import { SHIPPED_TEMPLATES_DIR } from '../../src/config/compile-config.js';
import type { Translator } from '../../src/i18n/locales.js';
import { loadLocales } from '../../src/i18n/locales.js';
import type { TestGate, TestGateOptions } from '../helpers/gate.js';
import { startTestGate } from '../helpers/gate.js';
import type { TestUpstream } from '../helpers/upstream.js';
import { startUpstream } from '../helpers/upstream.js';

export const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-artifacts');
export const SCREENSHOTS = join(ARTIFACTS, 'screenshots');

export const LOCALES = loadLocales(
  { own: join(SHIPPED_TEMPLATES_DIR, 'locales'), shipped: join(SHIPPED_TEMPLATES_DIR, 'locales') },
  'en',
);

/** Each shipped language, the Accept-Language a phone set to it sends, and users of its own. */
export const LANGUAGES = [
  { tag: 'en', browserLocale: 'en-US', user: 'alice', lockUser: 'erin', phone: '+39 ••• ••• 0001' },
  { tag: 'it', browserLocale: 'it-IT', user: 'giulia', lockUser: 'fabio', phone: '+39 ••• ••• 0011' },
  { tag: 'zh-CN', browserLocale: 'zh-CN', user: 'wei', lockUser: 'lan', phone: '+86 ••• •••• 0021' },
] as const;
export type Language = (typeof LANGUAGES)[number];

export const USERS = `
users:
  alice: { name: Alice Example, phone: "+39 333 000 0001" }
  erin: { name: Erin Example, phone: "+39 333 000 0002" }
  bob: { name: Bob Example, phone: "+1 202 555 0102" }
  nina: { name: Nina Example, phone: "+1 202 555 0103" }
  giulia: { name: Giulia Esempio, phone: "+39 333 000 0011" }
  fabio: { name: Fabio Esempio, phone: "+39 333 000 0012" }
  wei: { name: Wang Wei, phone: "+86 139 0000 0021" }
  lan: { name: Li Lan, phone: "+86 139 0000 0022" }
`;

/** Short lockouts and high send caps, so each test sees exactly the page it wants. */
export const OTP =
  'ttl: 5m\nresend_after: 30s\nlockout_after: 3\nmax_sends_per_hour: 1000\nmax_sends_per_address_per_hour: 1000\nmax_sends_per_destination_per_hour: 1000\nmax_sends_per_prefix_per_hour: 1000';

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };
export const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export const texts = (tag: string): Translator => LOCALES.get(tag);

/** What a browser suite drives: the app, the gate in front of it, and one Chromium. */
export interface BrowserWorld {
  upstream: TestUpstream;
  gate: TestGate;
  browser: Browser;
}

/** Starts a BrowserWorld before the suite's tests and closes it after them (as useGate does for a gate). */
export function useBrowserGate(
  executablePath: string,
  gateOptions: Omit<TestGateOptions, 'upstream'>,
  launchArgs: readonly string[] = LAUNCH_ARGS,
): BrowserWorld {
  const world = {} as BrowserWorld;
  beforeAll(async () => {
    world.upstream = await startUpstream();
    world.gate = await startTestGate({ ...gateOptions, upstream: world.upstream.url });
    world.browser = await chromium.launch({ executablePath, args: [...launchArgs] });
  });
  afterAll(async () => {
    await world.browser?.close();
    await world.gate?.close();
    await world.upstream?.close();
  });
  return world;
}

export async function phoneContext(
  browser: Browser,
  language: Language,
  options: BrowserContextOptions = {},
): Promise<BrowserContext> {
  return browser.newContext({
    viewport: PHONE,
    isMobile: true,
    hasTouch: true,
    locale: language.browserLocale,
    ...options,
  });
}

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}

/** Protected URL → login page → code page, in the page's language; resolves to the code sent. */
export async function reachCodePage(page: Page, gate: TestGate, language: Language, user: string): Promise<string> {
  const tr = texts(language.tag);
  const sent = gate.inbox.codesFor(user).length;
  await page.goto(`${gate.url}/reports/q3?year=2026`);
  expect(new URL(page.url()).pathname).toBe('/_gate/login');
  await page.getByLabel(tr.t('login.identifier_label')).fill(user);
  await page.getByRole('button', { name: tr.t('login.submit') }).click();
  await page.waitForURL(/\/_gate\/code$/);
  return gate.inbox.code(user, sent + 1);
}

/** Types a code; with JavaScript the form submits itself at the last digit, without it we press Verify. */
export async function typeCode(page: Page, language: Language, code: string, javascript = true): Promise<void> {
  const input = page.getByLabel(texts(language.tag).t('code.label'));
  if (javascript) {
    await Promise.all([page.waitForEvent('load'), input.fill(code)]);
    return;
  }
  await input.fill(code);
  await Promise.all([
    page.waitForEvent('load'),
    // Exact: in zh-CN "验证" (Verify) is part of every other button's name on the page.
    page.getByRole('button', { name: texts(language.tag).t('code.submit'), exact: true }).click(),
  ]);
}

export const wrongCode = (code: string) => String((Number(code) + 1) % 1_000_000).padStart(6, '0');

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeFinding {
  page: string;
  id: string;
  impact: string | null;
  nodes: number;
}

/** The rules whose findings change when only the page's size or colour scheme does. */
export const AXE_STYLE_RULES = ['color-contrast', 'link-in-text-block', 'target-size', 'scrollable-region-focusable'];

/**
 * Runs axe-core (WCAG 2.x A/AA rules, or only the rules named) on the page; the context must
 * bypass CSP to inject it.
 */
export async function axeCheck(page: Page, name: string, only?: readonly string[]): Promise<AxeFinding[]> {
  // Once a page load: a page checked in several sizes and colour schemes keeps it. Evaluated, not
  // added as a <script>, so it runs on pages with JavaScript turned off too.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const { passes, violations } = await page.evaluate(async (rules) => {
    type Rule = { id: string; impact: string | null; nodes: unknown[] };
    const axe = (
      window as unknown as {
        axe: { run(context: Document, options: object): Promise<{ passes: Rule[]; violations: Rule[] }> };
      }
    ).axe;
    const result = await axe.run(document, {
      runOnly: rules
        ? { type: 'rule', values: rules }
        : { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa', 'best-practice'] },
    });
    return {
      passes: result.passes.length,
      violations: result.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length })),
    };
  }, only);
  // A run that checked nothing (axe not injected, empty page) must not pass as "no violations".
  if (passes < (only ? 1 : 10)) throw new Error(`axe-core checked only ${passes} rules on ${name}`);
  return violations.map((v) => ({ page: name, ...v }));
}

export function writeAxeReport(findings: readonly AxeFinding[], pages: readonly string[]): void {
  mkdirSync(ARTIFACTS, { recursive: true });
  writeFileSync(join(ARTIFACTS, 'axe-results.json'), `${JSON.stringify({ pages, violations: findings }, null, 2)}\n`);
}

/**
 * A page's HTML made to show, in a page of its own with JavaScript (axe needs it), as it shows
 * without: scripts out, <noscript> in, and its stylesheet and links still from `base`.
 */
export const asShownWithoutJavaScript = (html: string, base: string) =>
  html
    .replace('<head>', `<head><base href="${base}/">`)
    .replace(/<script\b[^>]*><\/script>/g, '')
    .replace(/<(\/?)noscript>/g, '<$1div>');
