// ${NAME} substitution in a parsed YAML document's string values, before validation, so
// secrets can live in the environment; `${file:/run/secrets/x}` puts a file's text in instead
// (Docker and Kubernetes secrets); `$${` writes a literal `${`.
import type { Document, Node } from 'yaml';
import { visit } from 'yaml';

import { readSecretFile } from './secret-files.js';

const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;
const FILE_REF = 'file:';

/**
 * Replaces ${NAME} in string values (never keys) with env values, and ${file:PATH} with the file's
 * text (relative paths from `baseDir`). `$${` writes a literal `${`.
 * Returns, for each substituted node, the variable names used, so messages can name
 * the variable instead of echoing its value. With `retype`, an unquoted scalar that is exactly
 * one reference ("port: ${PORT}") is typed as its text would have been (number, boolean).
 */
export function substituteEnv(
  doc: Document,
  env: NodeJS.ProcessEnv,
  retype: boolean,
  report: (node: Node, message: string) => void,
  baseDir: string = process.cwd(),
): Map<Node, string[]> {
  const substituted = new Map<Node, string[]>();
  visit(doc, {
    Scalar(key, node) {
      if (key === 'key' || typeof node.value !== 'string' || !node.value.includes('$')) return;
      const out = expand(node.value, env, baseDir);
      for (const name of out.missing) report(node, `environment variable ${name} is not set`);
      for (const message of out.invalid) report(node, message);
      if (out.names.length === 0) {
        node.value = out.text;
        return;
      }
      substituted.set(node, out.names);
      node.value = retype && node.type === 'PLAIN' && out.whole ? retypePlain(out.text) : out.text;
    },
  });
  return substituted;
}

interface Expansion {
  text: string;
  names: string[];
  missing: string[];
  invalid: string[];
  /** The scalar was exactly one reference, so an unquoted one may stand for a number or boolean. */
  whole: boolean;
}

function expand(text: string, env: NodeJS.ProcessEnv, baseDir: string): Expansion {
  const out: Expansion = { text: '', names: [], missing: [], invalid: [], whole: false };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('$${', i)) {
      out.text += '${';
      i += 3;
    } else if (text.startsWith('${', i)) {
      const end = text.indexOf('}', i + 2);
      if (end < 0) {
        out.invalid.push('unterminated "${"; write "$${" for a literal "${"');
        out.text += text.slice(i);
        break;
      }
      const name = text.slice(i + 2, end);
      if (name.startsWith(FILE_REF) && name.length > FILE_REF.length) {
        out.names.push(name);
        const read = readSecretFile(name.slice(FILE_REF.length), baseDir);
        if (read.ok) out.text += read.text;
        else out.invalid.push(read.reason);
      } else if (!ENV_NAME.test(name)) {
        out.invalid.push(
          `"\${${name}}" is not a valid variable reference: names use A-Z, 0-9 and _ and do not start with a digit`,
        );
      } else {
        out.names.push(name);
        const value = env[name];
        if (value === undefined) out.missing.push(name);
        else out.text += value;
      }
      out.whole = i === 0 && end === text.length - 1;
      i = end + 1;
    } else {
      out.text += text[i];
      i += 1;
    }
  }
  return out;
}

/** Types an unquoted substituted value as YAML's core schema would have typed the same text. */
function retypePlain(text: string): string | number | boolean {
  if (/^[-+]?[0-9]+$/.test(text)) return Number(text);
  if (/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(text)) return Number(text);
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  return text;
}
