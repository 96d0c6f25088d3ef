// The committed JSON Schemas must be the ones the zod schemas generate.
import { readFileSync } from 'node:fs';

import { describe, expect, it } from 'vitest';

import { configJsonSchema, schemaFiles } from '../../src/config/json-schema.js';

describe('JSON Schemas', () => {
  it.each(Object.entries(schemaFiles()))(
    'schema/%s equals the generated one (run: npx tsx src/config/write-schemas.ts)',
    (name, text) => {
      expect(readFileSync(new URL(`../../schema/${name}`, import.meta.url), 'utf8')).toBe(text);
    },
  );

  it('the config schema rejects unknown options and marks what has no default as required', () => {
    const schema = configJsonSchema();
    expect(schema.additionalProperties).toBe(false);
    expect(schema.required).toEqual(['apps', 'session', 'directory', 'policies']);
  });
});
