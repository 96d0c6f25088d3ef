// JSON Schemas for the config, policy and users files, generated from the zod schemas so
// editors (yaml-language-server) check the same things the gate does, minus cross-field rules.
import { z } from 'zod';

import { usersFileSchema } from '../directory/users-schema.js';
import { policyFileSchema } from '../policy/policy-schema.js';
import type { SecretOptionPath } from '../shared/secret-files.js';
import { SECRET_OPTIONS } from './config-secrets.js';
import { policyCasesFileSchema } from './policy-cases-schema.js';
import { configSchema } from './schema.js';

export type JsonSchema = Record<string, unknown>;

function toJsonSchema(schema: z.core.$ZodType): JsonSchema {
  // io "input": what people may write, so options with defaults are optional.
  return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
}

export function configJsonSchema(): JsonSchema {
  const schema = toJsonSchema(configSchema);
  for (const option of SECRET_OPTIONS) addFileTwin(schema, schema, option);
  return schema;
}

/**
 * The loader turns `<name>_file` into `<name>` before validation, so zod never sees the twins;
 * editors do, so they are written into the JSON Schema beside the option they stand for.
 */
function addFileTwin(root: JsonSchema, node: JsonSchema, at: SecretOptionPath): void {
  const ref = node.$ref;
  if (typeof ref === 'string') {
    const target = (root.$defs as Record<string, JsonSchema> | undefined)?.[ref.replace('#/$defs/', '')];
    if (target) addFileTwin(root, target, at);
  }
  for (const union of ['oneOf', 'anyOf', 'allOf'])
    for (const branch of (node[union] as JsonSchema[] | undefined) ?? []) addFileTwin(root, branch, at);
  const [seg, ...rest] = at;
  if (seg === undefined) return;
  if (seg === '*') {
    if (node.items) addFileTwin(root, node.items as JsonSchema, rest);
    return;
  }
  const properties = node.properties as Record<string, JsonSchema> | undefined;
  const base = properties?.[seg];
  if (!properties || !base) return;
  if (rest.length > 0) return addFileTwin(root, base, rest);
  const twin = `${seg}_file`;
  properties[twin] = {
    description: `A file holding ${seg} (a Docker or Kubernetes secret), instead of writing it here.`,
    ...(base.type === 'array'
      ? { type: 'array', items: { type: 'string', minLength: 1 } }
      : { type: 'string', minLength: 1 }),
  };
  const required = node.required as string[] | undefined;
  if (required?.includes(seg)) {
    node.required = required.filter((r) => r !== seg);
    node.anyOf = [{ required: [seg] }, { required: [twin] }];
  }
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
