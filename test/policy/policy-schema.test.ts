// Behaviour of the policy file schema: shape only, strict, with readable paths for errors.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { policyFileSchema } from '../../src/policy/policy-schema.js';

function issues(data: unknown): string[] {
  const result = policyFileSchema.safeParse(data);
  return result.success ? [] : result.error.issues.map((i) => i.path.join('.'));
}

describe('policyFileSchema', () => {
  it('a complete rule is accepted', () => {
    const rule = {
      name: 'admin',
      hosts: ['*.example.com'],
      paths: ['/admin/**'],
      methods: ['GET'],
      networks: ['10.0.0.0/8'],
      action: 'challenge',
      users: ['alice'],
      groups: ['admins'],
      channels: ['console'],
      session_lifetime: '1h30m',
    };
    expect(policyFileSchema.parse({ rules: [rule] })).toEqual({ rules: [rule] });
  });

  it('an empty rules list is accepted', () => {
    expect(issues({ rules: [] })).toEqual([]);
  });

  it('methods are upper-cased', () => {
    expect(
      policyFileSchema.parse({ rules: [{ action: 'bypass', methods: ['get', 'Post'] }] }).rules[0]!.methods,
    ).toEqual(['GET', 'POST']);
  });

  it.each([
    [{}, 'rules'],
    [{ rules: [{ action: 'allow' }] }, 'rules.0.action'],
    [{ rules: [{}] }, 'rules.0.action'],
    [{ rules: [{ action: 'bypass', path: ['/x'] }] }, 'rules.0'],
    [{ rules: [], extra: 1 }, ''],
    [{ rules: [{ action: 'bypass', paths: [] }] }, 'rules.0.paths'],
    [{ rules: [{ action: 'bypass', paths: [''] }] }, 'rules.0.paths.0'],
    [{ rules: [{ action: 'bypass', paths: '/x' }] }, 'rules.0.paths'],
    [{ rules: [{ action: 'bypass', methods: ['GET /'] }] }, 'rules.0.methods.0'],
    [{ rules: [{ action: 'challenge', session_lifetime: '90' }] }, 'rules.0.session_lifetime'],
    [{ rules: [{ action: 'challenge', session_lifetime: 3600 }] }, 'rules.0.session_lifetime'],
    [{ rules: [{ action: 'bypass', name: '' }] }, 'rules.0.name'],
  ])('a malformed file is refused at its path: %j', (data, path) => {
    expect(issues(data)).toContain(path);
  });

  it('the JSON Schema for editors can be generated from it', () => {
    const schema = z.toJSONSchema(policyFileSchema, { io: 'input', unrepresentable: 'any' });
    expect(JSON.stringify(schema)).toContain('session_lifetime');
  });
});
