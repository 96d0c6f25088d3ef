// Secrets kept in files, as Docker and Kubernetes mount them (/run/secrets/<name>): read for a
// `${file:...}` reference or an option's `_file` twin. What a file holds never goes into a message.
import { readFileSync } from 'node:fs';
import path from 'node:path';

import type { Document, Node, Pair, Scalar, YAMLMap } from 'yaml';
import { isMap, isNode, isScalar, isSeq } from 'yaml';

export type SecretFileRead = { ok: true; text: string } | { ok: false; reason: string };

/** The file's text without its trailing newline (editors and `echo` add one); relative paths from baseDir. */
export function readSecretFile(file: string, baseDir: string): SecretFileRead {
  try {
    return { ok: true, text: readFileSync(path.resolve(baseDir, file), 'utf8').replace(/\r?\n$/, '') };
  } catch (cause) {
    const code = (cause as { code?: unknown } | null)?.code;
    return {
      ok: false,
      reason: `cannot read secret file "${file}": ${typeof code === 'string' ? code : String(cause)}`,
    };
  }
}

/** An option path whose `<last>_file` twin is accepted; "*" stands for any key or list index. */
export type SecretOptionPath = readonly string[];

/**
 * Replaces each `<name>_file: <path>` (or a list of paths, for a list option) found at one of the
 * option paths with `<name>: <the file's text>`, in place, keeping the nodes' positions for messages.
 * Returns the nodes now holding a file's text, with the `file:` reference that filled them.
 */
export function applyFileTwins(
  doc: Document,
  options: readonly SecretOptionPath[],
  baseDir: string,
  report: (node: Node, message: string) => void,
): Map<Node, string[]> {
  const filled = new Map<Node, string[]>();
  const fill = (node: Scalar, twin: string) => {
    if (typeof node.value !== 'string') return report(node, `${twin}: expected a file path`);
    const read = readSecretFile(node.value, baseDir);
    if (!read.ok) return report(node, read.reason);
    filled.set(node, [`file:${node.value}`]);
    node.value = read.text;
  };
  for (const option of options) {
    const name = option.at(-1)!;
    const twin = `${name}_file`;
    for (const parent of mapsAt(doc.contents, option.slice(0, -1))) {
      const pair = parent.items.find((p) => keyOf(p) === twin);
      if (!pair) continue;
      if (parent.items.some((p) => keyOf(p) === name)) {
        report(isNode(pair.value) ? pair.value : (pair.key as Node), `give "${name}" or "${twin}", not both`);
        continue;
      }
      (pair.key as Scalar).value = name;
      if (isScalar(pair.value)) fill(pair.value, twin);
      else if (isSeq(pair.value))
        for (const item of pair.value.items) {
          if (isScalar(item)) fill(item, twin);
          else report(pair.value, `${twin}: expected a list of file paths`);
        }
      else report(isNode(pair.value) ? pair.value : (pair.key as Node), `${twin}: expected a file path`);
    }
  }
  return filled;
}

function keyOf(pair: Pair): unknown {
  return isScalar(pair.key) ? pair.key.value : pair.key;
}

/** The maps found by walking `path` from node; "*" walks into every entry. */
function mapsAt(node: unknown, at: readonly string[]): YAMLMap[] {
  if (at.length === 0) return isMap(node) ? [node] : [];
  const [seg, ...rest] = at;
  if (isMap(node))
    return node.items.filter((p) => seg === '*' || keyOf(p) === seg).flatMap((p) => mapsAt(p.value, rest));
  if (isSeq(node) && seg === '*') return node.items.flatMap((item) => mapsAt(item, rest));
  return [];
}
