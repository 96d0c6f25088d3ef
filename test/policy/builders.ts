// Builders for policy tests: rules as written, compiled the way the loader compiles them.
import type { CompileContext, RuleSource } from '../../src/policy/compile-policy.js';
import { compilePolicy } from '../../src/policy/compile-policy.js';
import type { CompiledPolicy, RawRule, RequestFacts } from '../../src/policy/types.js';
import type { Problem } from '../../src/shared/problem.js';

export const HOUR = 3_600_000;
export const CTX: CompileContext = { defaultLifetimeMs: 12 * HOUR, channels: ['console', 'sms'] };

type Fields = Omit<RawRule, 'action'>;

export const bypass = (fields: Fields = {}): RawRule => ({ ...fields, action: 'bypass' });
export const deny = (fields: Fields = {}): RawRule => ({ ...fields, action: 'deny' });
export const challenge = (fields: Fields = {}): RawRule => ({ ...fields, action: 'challenge' });

/** Rules as if written one after another in one file, at lines 2, 5, 8 … */
export function sources(rules: readonly RawRule[], file = 'policies/test.yaml'): RuleSource[] {
  return rules.map((raw, i) => ({ raw, origin: { file, line: 2 + 3 * i, col: 5 }, path: `rules[${i}]` }));
}

/** Compiles and insists on no errors, so a test about matching never runs on a broken policy. */
export function policy(rules: readonly RawRule[], ctx: CompileContext = CTX): CompiledPolicy {
  const { policy: compiled, problems } = compilePolicy(sources(rules), ctx);
  const errors = problems.filter((p) => p.severity === 'error');
  if (errors.length) throw new Error(`test policy has errors: ${errors.map((p) => p.message).join('; ')}`);
  return compiled;
}

export function problems(rules: readonly RawRule[], ctx: CompileContext = CTX): Problem[] {
  return compilePolicy(sources(rules), ctx).problems;
}

export function facts(overrides: Partial<RequestFacts> = {}): RequestFacts {
  return { host: 'wiki.example.com', path: '/', method: 'GET', ip: '203.0.113.7', ...overrides };
}

/** A seeded PRNG (mulberry32) so property tests are repeatable without a dependency. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
