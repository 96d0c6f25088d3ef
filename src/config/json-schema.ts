// JSON Schemas for the config, policy and users files, generated from the zod schemas so
// editors (yaml-language-server) check the same things the gate does, minus cross-field rules.
import { z } from 'zod';

import { usersFileSchema } from '../directory/users-schema.js';
import { policyFileSchema } from '../policy/policy-schema.js';
import { policyCasesFileSchema } from './policy-cases-schema.js';
import { configSchema } from './schema.js';

export type JsonSchema = Record<string, unknown>;

function toJsonSchema(schema: z.core.$ZodType): JsonSchema {
  // io "input": what people may write, so options with defaults are optional.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

export function configJsonSchema(): JsonSchema {
  return toJsonSchema(configSchema);
}

export function policyJsonSchema(): JsonSchema {
  return toJsonSchema(policyFileSchema);
}

export function policyCasesJsonSchema(): JsonSchema {
  return toJsonSchema(policyCasesFileSchema);
}

export function usersJsonSchema(): JsonSchema {
  return toJsonSchema(usersFileSchema);
}

/** The committed schema files, by name under schema/, as their exact text. */
export function schemaFiles(): Record<string, string> {
  const text = (s: JsonSchema): string => `${JSON.stringify(s, null, 2)}\n`;
  return {
    'config.schema.json': text(configJsonSchema()),
    'policy.schema.json': text(policyJsonSchema()),
    'policy-cases.schema.json': text(policyCasesJsonSchema()),
    'users.schema.json': text(usersJsonSchema()),
  };
}
