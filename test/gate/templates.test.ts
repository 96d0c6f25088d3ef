import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import request from 'supertest';
import { describe, expect, it } from 'vitest';

import { SHIPPED_TEMPLATES_DIR } from '../../src/config/compile-config.js';
import { loadLocales } from '../../src/i18n/locales.js';
import { compileTemplate, loadTemplates } from '../../src/pages/templates.js';
import { useGate } from '../helpers/gate.js';

describe('templates', () => {
  it('escape every value', () => {
    const render = compileTemplate('<p title="{{v}}">{{v}}</p>');
    expect(render({ v: `"><script>alert('x')</script>` })).toBe(
      '<p title="&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;">&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;</p>',
    );
  });

  it('show a section only when its value is truthy, and an inverted one only when falsy', () => {
    const render = compileTemplate('{{#a}}yes{{/a}}{{^a}}no{{/a}}');
    expect(render({ a: 'x' })).toBe('yes');
    expect(render({ a: '' })).toBe('no');
  });

  it('repeat a section once per item of a list, and show an inverted one for an empty list', () => {
    const render = compileTemplate('{{#items}}<a href="{{href}}">{{name}}</a>{{/items}}{{^items}}none{{/items}}');
    expect(
      render({
        items: [
          { href: '/a', name: '<A>' },
          { href: '/b', name: 'B' },
        ],
      }),
    ).toBe('<a href="/a">&lt;A&gt;</a><a href="/b">B</a>');
    expect(render({ items: [] })).toBe('none');
  });

  it('read dotted names (page texts by key)', () => {
    expect(compileTemplate('<h1>{{login.heading}}</h1>')({ 'login.heading': 'Accedi' })).toBe('<h1>Accedi</h1>');
  });

  it("fill a page's texts from its locale, placeholders from the page's values, and let a value the page gives win", () => {
    const dir = mkdtempSync(join(tmpdir(), 'otp-gate-texts-'));
    writeFileSync(
      join(dir, 'en.yaml'),
      'login:\n  heading: "Sign <in>"\n  intro: "Hello {brand}"\ngreeting: "from the file"\n',
    );
    writeFileSync(
      join(dir, 'login.html'),
      '<h1>{{login.heading}}</h1><p>{{login.intro}}</p>{{#login.heading}}<i>shown</i>{{/login.heading}}<b>{{greeting}}</b>',
    );
    writeFileSync(join(dir, 'layout.html'), '{{{content}}}');
    const tr = loadLocales({ own: dir, shipped: dir }, 'en').get('en');
    const render = (values: Record<string, string>) =>
      loadTemplates(dir, SHIPPED_TEMPLATES_DIR).render('login', values, tr);
    expect(render({ brand: 'ACME' })).toBe('<h1>Sign &lt;in&gt;</h1><p>Hello ACME</p><i>shown</i><b>from the file</b>');
    expect(render({ brand: 'B', greeting: 'from the page' })).toBe(
      '<h1>Sign &lt;in&gt;</h1><p>Hello B</p><i>shown</i><b>from the page</b>',
    );
  });

  it("read a locale's texts once per page, however often the page is shown", () => {
    const tr = loadLocales({ own: '/nonexistent', shipped: join(SHIPPED_TEMPLATES_DIR, 'locales') }, 'en').get('it');
    let reads = 0;
    const counting = { ...tr, raw: (key: string) => (reads++, tr.raw(key)) };
    const templates = loadTemplates(SHIPPED_TEMPLATES_DIR, SHIPPED_TEMPLATES_DIR);
    const values = { csrf: 't', rd: '/', action: '/_gate/login', brand: 'b', lang: 'it' };
    const first = templates.render('login', values, counting);
    const afterFirst = reads;
    expect(templates.render('login', values, counting)).toBe(first);
    expect(first).toContain('Accedi');
    expect(reads - afterFirst).toBe(0);
  });

  it('name the file when a section is not closed', () => {
    expect(() => compileTemplate('{{#a}}open', 'pages/x.html')).toThrow('pages/x.html: {{#a}} is never closed');
  });

  it('render the shipped pages with their stylesheet and no unescaped input', () => {
    const page = loadTemplates(SHIPPED_TEMPLATES_DIR, SHIPPED_TEMPLATES_DIR).render('login', {
      stylesheet_href: '/_gate/assets/gate.css?v=1',
      identifier: '<b>',
      csrf: 't',
      rd: '/',
      action: '/_gate/login',
      title: 'Sign in',
      brand: 'b',
      lang: 'en',
    });
    expect(page).toContain('<link rel="stylesheet" href="/_gate/assets/gate.css?v&#61;1">');
    expect(page).toContain('value="&lt;b&gt;"');
    expect(page).not.toContain('<b>');
  });
});

describe("an operator's templates folder", () => {
  const dir = mkdtempSync(join(tmpdir(), 'otp-gate-templates-'));
  writeFileSync(
    join(dir, 'login.html'),
    '<h1>Welcome to ACME</h1><form method="post" action="{{action}}"><input type="hidden" name="csrf" value="{{csrf}}"></form>',
  );
  const env = useGate({ extraConfig: `templates:\n  dir: "${dir}"` });

  it('replaces the pages it holds', async () => {
    const res = await request(env.gate.url).get('/_gate/login').expect(200);
    expect(res.text).toContain('Welcome to ACME');
  });

  it('falls back to the shipped pages it does not hold', async () => {
    const res = await request(env.gate.url).get('/_gate/logout').set('Accept', 'text/html').expect(200);
    expect(res.text).toContain('You are signed out');
    expect(res.text).toContain('<!doctype html>');
  });
});
