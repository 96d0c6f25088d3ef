// The `pages:` section: language default and brand, validated and compiled.
import { describe, expect, it } from 'vitest';

import { compileConfigText, configProblems, MINIMAL_CONFIG } from '../helpers/config-text.js';

const BASE = MINIMAL_CONFIG;
const withPages = (pages: string) => `${BASE}pages:\n${pages}\n`;
const problems = (pages: string) => configProblems(withPages(pages));

describe('pages config', () => {
  it("defaults to English and the otp-gate brand without logo or colour, and the sign-in page's budgets", () => {
    expect(compileConfigText(BASE).pages).toEqual({
      defaultLocale: 'en',
      brand: { name: 'otp-gate', logoUrl: undefined, accentColor: undefined },
      loginPagesPerMinute: { address: 120, network: 600 },
    });
  });

  it("compiles a default locale, brand name, logo, accent colour and the sign-in page's budgets", () => {
    const config = compileConfigText(
      withPages(
        '  default_locale: zh-CN\n  brand: { name: ACME, logo_url: "https://cdn.acme.test/logo.svg", accent_color: "#0a7a3d" }\n' +
          '  max_login_pages_per_address_per_minute: 30\n  max_login_pages_per_network_per_minute: 90',
      ),
    );
    expect(config.pages).toEqual({
      defaultLocale: 'zh-CN',
      brand: { name: 'ACME', logoUrl: 'https://cdn.acme.test/logo.svg', accentColor: '#0a7a3d' },
      loginPagesPerMinute: { address: 30, network: 90 },
    });
  });

  it('accepts a logo as an image data URI or a path on the gate', () => {
    expect(problems('  brand: { logo_url: "data:image/png;base64,iVBORw0KGgo=" }')).toEqual([]);
    expect(problems('  brand: { logo_url: "/static/logo.png" }')).toEqual([]);
  });

  it('refuses a colour that is not hex', () => {
    expect(problems('  brand: { accent_color: "red; background: url(x)" }').join('\n')).toContain(
      'a hex colour such as',
    );
  });

  it('refuses a javascript: or HTML data logo', () => {
    expect(problems('  brand: { logo_url: "javascript:alert(1)" }').join('\n')).toContain('pages.brand.logo_url');
    expect(problems('  brand: { logo_url: "data:text/html;base64,PHNjcmlwdD4=" }').join('\n')).toContain(
      'pages.brand.logo_url',
    );
  });

  it('refuses a default locale that is not a language tag', () => {
    expect(problems('  default_locale: "../en"').join('\n')).toContain('pages.default_locale');
  });
});
