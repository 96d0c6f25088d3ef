// The policy lint: rules an earlier rule shadows, and looser rules before stricter ones that
// overlap, reported as warnings at the later rule and naming both.
import { describe, expect, it } from 'vitest';

import type { RawRule } from '../../src/policy/types.js';
import { bypass, challenge, deny, problems } from './builders.js';

function warnings(rules: RawRule[]): string[] {
  return problems(rules)
    .filter((p) => p.severity === 'warning')
    .map((p) => `${p.path}: ${p.message}`);
}

describe('lint: shadowed rules', () => {
  it('a rule under an earlier folder glob is never reached', () => {
    expect(
      warnings([
        challenge({ name: 'admin', paths: ['/admin/**'], groups: ['admins'] }),
        bypass({ name: 'users', paths: ['/admin/users/**'] }),
      ]),
    ).toEqual([
      'rules[1]: rule "users" is never reached: rule "admin" (policies/test.yaml:2:5) before it matches every request this one does',
    ]);
  });

  it('a rule after a catch-all is never reached', () => {
    expect(warnings([challenge({ name: 'all' }), bypass({ name: 'late', paths: ['/health'] })])).toEqual([
      'rules[1]: rule "late" is never reached: rule "all" (policies/test.yaml:2:5) before it matches every request',
    ]);
  });

  it('a literal path an earlier glob matches is shadowed', () => {
    expect(
      warnings([deny({ name: 'css', paths: ['/**/*.css'] }), bypass({ name: 'site', paths: ['/site.css'] })]),
    ).toHaveLength(1);
  });

  it('a later rule is shadowed only when every one of its globs is covered', () => {
    expect(warnings([deny({ paths: ['/admin/**'] }), deny({ paths: ['/admin/x', '/other'] })])).toEqual([]);
  });

  it('a later rule with a method the earlier one lacks is reachable', () => {
    expect(
      warnings([deny({ paths: ['/a/**'], methods: ['GET'] }), deny({ paths: ['/a/b'], methods: ['GET', 'POST'] })]),
    ).toEqual([]);
  });

  it('a later rule inside an earlier, wider network is shadowed', () => {
    expect(
      warnings([
        deny({ networks: ['10.0.0.0/8'] }),
        bypass({ name: 'lab', networks: ['10.1.0.0/16'], paths: ['/lab/**'] }),
      ]),
    ).toHaveLength(1);
  });

  it('a later rule for a wider network than the earlier one is reachable', () => {
    expect(warnings([deny({ networks: ['10.1.0.0/16'] }), deny({ networks: ['10.0.0.0/8'] })])).toEqual([]);
  });

  it('"**.example.com" shadows a later "*.example.com"; the reverse does not', () => {
    expect(warnings([deny({ hosts: ['**.example.com'] }), deny({ hosts: ['*.example.com'] })])).toHaveLength(1);
    expect(warnings([deny({ hosts: ['*.example.com'] }), deny({ hosts: ['**.example.com'] })])).toEqual([]);
  });

  it('"/admin/**" does not shadow "/administrator/**"', () => {
    expect(warnings([deny({ paths: ['/admin/**'] }), deny({ paths: ['/administrator/**'] })])).toEqual([]);
  });

  it('"/admin/*" does not shadow "/admin/**", which reaches deeper', () => {
    expect(warnings([deny({ paths: ['/admin/*'] }), deny({ paths: ['/admin/**'] })])).toEqual([]);
  });

  it('a deny under an earlier bypass folder is not dead (it also catches "/PUBLIC/secret") but its order matters', () => {
    const found = warnings([
      bypass({ name: 'public', paths: ['/public/**'] }),
      deny({ name: 'secret', paths: ['/public/secret/**'] }),
    ]);
    expect(found).toEqual([
      'rules[1]: order matters: rule "secret" (deny) and rule "public" (bypass, policies/test.yaml:2:5) both match e.g. GET /public/secret; the earlier "public" decides, so bypass wins there',
    ]);
  });

  it('a bypass under an earlier deny folder is never reached', () => {
    expect(
      warnings([
        deny({ name: 'private', paths: ['/private/**'] }),
        bypass({ name: 'leak', paths: ['/private/ok/**'] }),
      ]),
    ).toHaveLength(1);
  });

  it('a rule with an error is left out of the lint', () => {
    const found = problems([deny({ paths: ['/a/**'] }), bypass({ paths: ['/a/b'], groups: ['x'] })]);
    expect(found.map((p) => p.severity)).toEqual(['error']);
  });
});

describe('lint: overlaps that make order matter', () => {
  it('a bypass before a stricter rule it overlaps is reported with an example request', () => {
    expect(
      warnings([bypass({ name: 'scripts', paths: ['/**/*.js'] }), challenge({ name: 'admin', paths: ['/admin/**'] })]),
    ).toEqual([
      'rules[1]: order matters: rule "admin" (challenge) and rule "scripts" (bypass, policies/test.yaml:2:5) both match e.g. GET /admin/x.js; the earlier "scripts" decides, so bypass wins there',
    ]);
  });

  it('the example names host and address when the rules look at them', () => {
    const found = warnings([
      bypass({ name: 'lab', networks: ['10.1.0.0/16'], hosts: ['*.example.com'] }),
      deny({ name: 'wiki', hosts: ['wiki.example.com'], networks: ['10.0.0.0/8'], paths: ['/secret/**'] }),
    ]);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain('both match e.g. GET wiki.example.com/secret from 10.1.0.0;');
  });

  it('a stricter rule first is not reported: it fails safe', () => {
    expect(warnings([deny({ paths: ['/**/.git/**'] }), bypass({ paths: ['/static/**'] })])).toEqual([]);
  });

  it('an exception before the general rule it sits in is not reported', () => {
    expect(warnings([bypass({ paths: ['/health'] }), challenge()])).toEqual([]);
  });

  it('rules that cannot match one request are not reported', () => {
    expect(warnings([bypass({ paths: ['/public/**'] }), deny({ paths: ['/admin/**'] })])).toEqual([]);
    expect(
      warnings([bypass({ paths: ['/**/*.js'], methods: ['GET'] }), deny({ paths: ['/admin/**'], methods: ['POST'] })]),
    ).toEqual([]);
  });

  it('rules with the same action are not reported', () => {
    expect(
      warnings([challenge({ paths: ['/**/*.js'] }), challenge({ paths: ['/admin/**'], groups: ['admins'] })]),
    ).toEqual([]);
  });
});
