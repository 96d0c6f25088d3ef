// Page templates: plain HTML files with {{value}} (HTML-escaped), {{#flag}}…{{/flag}} (shown when
// truthy; repeated once per item when it is a list), {{^flag}}…{{/flag}} (shown when falsy or an
// empty list) and, in the layout only, {{{content}}}. Names may hold dots ({{login.heading}}: the
// page's text in its locale). No other logic, so an operator's templates can't introduce an injection.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { TextParams, Translator } from '../i18n/locales.js';
import { fillText } from '../i18n/locales.js';

export type TemplateScalar = string | number | boolean | undefined;
export interface TemplateValues {
  [name: string]: TemplateScalar | readonly TemplateValues[];
}
type Render = (values: TemplateValues, content?: string) => string;

export const PAGES = [
  'layout',
  'login',
  'code',
  'message',
  'logout',
  'resume',
  'totp',
  'account',
  'welcome',
  'webauthn',
  'scan',
  'approve',
] as const;
export type PageName = (typeof PAGES)[number];

export interface Templates {
  /**
   * The page in its layout. A name the values do not give is the text of that key in `texts` (the
   * page's locale), its {placeholders} filled from the values.
   */
  render(page: Exclude<PageName, 'layout'>, values: TemplateValues, texts?: Translator): string;
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
  '=': '&#61;',
};
export const escapeHtml = (s: string) => s.replace(/[&<>"'`=]/g, (c) => ESCAPES[c]!);

/**
 * Loads every page from `dir`, falling back to `fallbackDir` for pages the operator did not
 * override. Each file is read and parsed once; each page is bound once per locale it is shown in.
 */
export function loadTemplates(dir: string, fallbackDir: string): Templates {
  const parsed = new Map<PageName, Node[]>();
  for (const page of PAGES) {
    const own = join(dir, `${page}.html`);
    const file = existsSync(own) ? own : join(fallbackDir, `${page}.html`);
    parsed.set(page, parseTemplate(readFileSync(file, 'utf8'), file));
  }
  const bind = (texts: Translator | undefined) =>
    new Map([...parsed].map(([page, nodes]) => [page, emitter(bindTexts(nodes, texts))]));
  const untranslated = bind(undefined);
  // Translators live as long as their locales: a reload's new ones get pages of their own.
  const byLocale = new WeakMap<Translator, Map<PageName, Render>>();
  return {
    render(page, values, texts) {
      let pages = texts ? byLocale.get(texts) : untranslated;
      if (!pages) byLocale.set(texts!, (pages = bind(texts)));
      return pages.get('layout')!(values, pages.get(page)!(values));
    },
  };
}

const TAG = /\{\{\{content\}\}\}|\{\{([#^/]?)\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*\}\}/g;

/** `text`: the locale's text of the name, filled from the values where they do not give the name. */
type Node =
  | string
  | { kind: 'value'; name: string; text?: string }
  | { kind: 'content' }
  | { kind: 'section'; name: string; text?: string; inverted: boolean; body: Node[] };

/** Compiles a template once; throws naming the file and the unbalanced tag. */
export function compileTemplate(text: string, file = '<template>'): Render {
  return emitter(parseTemplate(text, file));
}

function parseTemplate(text: string, file: string): Node[] {
  const root: Node[] = [];
  const stack: Array<{ name: string; body: Node[]; inverted: boolean }> = [];
  let current = root;
  let last = 0;
  for (const m of text.matchAll(TAG)) {
    current.push(text.slice(last, m.index));
    last = m.index + m[0].length;
    const [whole, sigil, name] = m;
    if (whole === '{{{content}}}') current.push({ kind: 'content' });
    else if (sigil === '#' || sigil === '^') {
      const section = { name: name!, body: [] as Node[], inverted: sigil === '^' };
      current.push({ kind: 'section', ...section });
      stack.push(section);
      current = section.body;
    } else if (sigil === '/') {
      const open = stack.pop();
      if (!open || open.name !== name)
        throw new Error(`templates: ${file}: {{/${name}}} closes ${open ? `{{#${open.name}}}` : 'nothing'}`);
      current = stack.at(-1)?.body ?? root;
    } else current.push({ kind: 'value', name: name! });
  }
  if (stack.length > 0) throw new Error(`templates: ${file}: {{#${stack.at(-1)!.name}}} is never closed`);
  current.push(text.slice(last));
  return root;
}

const PLACEHOLDER = /\{[a-zA-Z_][a-zA-Z0-9_]*\}/;

/**
 * Writes the locale's texts into the page: a dotted name ({{login.heading}}, a text's key; page
 * values have no dots) whose text has no {placeholder} becomes part of the page's fixed text, and
 * sections on it are decided. Other texts stay names, filled from the values on each render.
 */
function bindTexts(nodes: readonly Node[], texts: Translator | undefined): Node[] {
  const out: Node[] = [];
  const push = (node: Node) =>
    typeof node === 'string' && typeof out.at(-1) === 'string' ? (out[out.length - 1] += node) : out.push(node);
  for (const node of nodes) {
    if (typeof node === 'string' || node.kind === 'content') {
      push(node);
      continue;
    }
    if (!texts?.has(node.name)) {
      push(node.kind === 'section' ? { ...node, body: bindTexts(node.body, texts) } : node);
      continue;
    }
    const text = texts.raw(node.name);
    const fixed = node.name.includes('.') && !PLACEHOLDER.test(text);
    if (node.kind === 'value') push(fixed ? escapeHtml(text) : { ...node, text });
    else if (!fixed) push({ ...node, text, body: bindTexts(node.body, texts) });
    else if (Boolean(text) !== node.inverted) for (const n of bindTexts(node.body, texts)) push(n);
  }
  return out;
}

function emitter(root: readonly Node[]): Render {
  const lookup = (node: { name: string; text?: string }, values: TemplateValues) =>
    node.text === undefined || Object.hasOwn(values, node.name)
      ? values[node.name]
      : fillText(node.text, values as TextParams);
  const emit = (nodes: readonly Node[], values: TemplateValues, content: string): string => {
    let out = '';
    for (const node of nodes) {
      if (typeof node === 'string') out += node;
      else if (node.kind === 'content') out += content;
      else if (node.kind === 'value') out += escapeHtml(scalar(lookup(node, values)));
      else {
        const value = lookup(node, values);
        if (Array.isArray(value)) {
          if (node.inverted) out += value.length === 0 ? emit(node.body, values, content) : '';
          else
            for (const item of value as readonly TemplateValues[])
              out += emit(node.body, { ...values, ...item }, content);
        } else if (Boolean(value) !== node.inverted) out += emit(node.body, values, content);
      }
    }
    return out;
  };
  return (values, content = '') => emit(root, values, content);
}

const scalar = (v: TemplateValues[string]) => (v === undefined || typeof v === 'object' ? '' : String(v));
