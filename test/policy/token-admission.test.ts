// Which challenge rules take a token, and what explain says about it: the one pure answer the
// gate and the policy tools share.
import { describe, expect, it } from 'vitest';

import { compilePolicy } from '../../src/policy/compile-policy.js';
import { explain } from '../../src/policy/decide.js';
import { formatExplain } from '../../src/policy/format-explain.js';
import type { TokenBearer } from '../../src/policy/token-admission.js';
import { tokenShortfall } from '../../src/policy/token-admission.js';
import type { RawRule } from '../../src/policy/types.js';

const ruleOf = (raw: Partial<RawRule>) => {
  const { policy, problems } = compilePolicy(
    [{ raw: { action: 'challenge', ...raw }, origin: { file: 'p.yaml', line: 1, col: 1 }, path: 'rules[0]' }],
    { defaultLifetimeMs: 3_600_000, channels: ['console'] },
  );
  expect(problems.filter((p) => p.severity === 'error')).toEqual([]);
  return policy;
};
const service = (name: string, groups: string[] = [], basic = false): TokenBearer => ({
  kind: 'service',
  name,
  groups,
  basic,
});
const facts = { host: 'wiki.example.com', path: '/api', method: 'GET', ip: '10.0.0.1' };

describe('token admission', () => {
  it('admits a service token that the rule names', () => {
    expect(tokenShortfall(ruleOf({ tokens: ['monitor'] }).rules[0]!, service('monitor'))).toBeUndefined();
  });

  it('admits no service token on a rule that admits any known user', () => {
    expect(tokenShortfall(ruleOf({}).rules[0]!, service('monitor'))).toBe('not-admitted');
  });

  it('admits a service token by a group the rule lists', () => {
    expect(tokenShortfall(ruleOf({ groups: ['readers'] }).rules[0]!, service('m', ['readers']))).toBeUndefined();
  });

  it('refuses a token sent as Basic where the rule has no basic: true', () => {
    expect(tokenShortfall(ruleOf({ tokens: ['monitor'] }).rules[0]!, service('monitor', [], true))).toBe('basic');
  });

  it('refuses any token on a step-up rule', () => {
    const rule = ruleOf({ tokens: ['monitor'], max_session_age: '10m' }).rules[0]!;
    expect(tokenShortfall(rule, service('monitor'))).toBe('step-up');
  });

  it('has explain say whether a service token is admitted', () => {
    const policy = ruleOf({ name: 'api', tokens: ['monitor'] });
    const text = formatExplain(explain(policy, facts), facts, {
      user: 'monitor',
      groups: [],
      token: { kind: 'service', basic: false },
    });
    expect(text).toContain('or service tokens [monitor]');
    expect(text).toContain('service token "monitor" (groups []) sent as Bearer: admitted');
  });
});
