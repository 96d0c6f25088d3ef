// Every example file a person copies starts with the yaml-language-server modeline naming the
// committed JSON Schema of its kind, so editors validate and complete it (issue 10).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

const REPO = join(import.meta.dirname, '..', '..');

const yamlIn = (folder: string): string[] =>
  readdirSync(join(REPO, folder))
    .filter((f) => /\.ya?ml$/.test(f))
    .map((f) => join(folder, f));

const EXAMPLES: Array<[file: string, schema: string]> = [
  ['config.example.yaml', 'config.schema.json'],
  ['users.example.yaml', 'users.schema.json'],
  ['demo/config.yaml', 'config.schema.json'],
  ['demo/users.yaml', 'users.schema.json'],
  ...yamlIn('policies').map((f): [string, string] => [f, 'policy.schema.json']),
  ...yamlIn('demo/policies').map((f): [string, string] => [f, 'policy.schema.json']),
  ...yamlIn('policies/tests').map((f): [string, string] => [f, 'policy-cases.schema.json']),
];

describe('example files name their JSON Schema', () => {
  it.each(EXAMPLES)('%s starts with a modeline pointing at schema/%s', (file, schema) => {
    const first = readFileSync(join(REPO, file), 'utf8').split('\n')[0]!;
    const match = /^# yaml-language-server: \$schema=(\S+)$/.exec(first);
    expect(match, `first line of ${file}: ${first}`).not.toBeNull();
    const target = resolve(REPO, dirname(file), match![1]!);
    expect(relative(REPO, target)).toBe(join('schema', schema));
    expect(existsSync(target)).toBe(true);
  });
});
