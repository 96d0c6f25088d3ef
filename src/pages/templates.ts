// Page templates: plain HTML files with {{value}} (HTML-escaped), {{#flag}}…{{/flag}} (shown when
// truthy; repeated once per item when it is a list), {{^flag}}…{{/flag}} (shown when falsy or an
// empty list) and, in the layout only, {{{content}}}. Names may hold dots ({{login.heading}}: the
// page's text in its locale). No other logic, so an operator's templates can't introduce an injection.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type TemplateScalar = string | number | boolean | undefined;
export interface TemplateValues {
  [name: string]: TemplateScalar | readonly TemplateValues[];
}
type Render = (values: TemplateValues, content?: string) => string;

export const PAGES = ['layout', 'login', 'code', 'message', 'logout', 'resume', 'totp'] as const;
export type PageName = (typeof PAGES)[number];

export interface Templates {
  render(page: Exclude<PageName, 'layout'>, values: TemplateValues): string;
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

/** Loads every page from `dir`, falling back to `fallbackDir` for pages the operator did not override. */
export function loadTemplates(dir: string, fallbackDir: string): Templates {
  const compiled = new Map<PageName, Render>();
  for (const page of PAGES) {
    const own = join(dir, `${page}.html`);
    const file = existsSync(own) ? own : join(fallbackDir, `${page}.html`);
    compiled.set(page, compileTemplate(readFileSync(file, 'utf8'), file));
  }
  const layout = compiled.get('layout')!;
  return {
    render(page, values) {
      return layout(values, compiled.get(page)!(values));
    },
  };
}

const TAG = /\{\{\{content\}\}\}|\{\{([#^/]?)\s*([a-zA-Z_][a-zA-Z0-9_.]*)\s*\}\}/g;

type Node =
  | string
  | { kind: 'value'; name: string }
  | { kind: 'content' }
  | { kind: 'section'; name: string; inverted: boolean; body: Node[] };

/** Compiles a template once; throws naming the file and the unbalanced tag. */
export function compileTemplate(text: string, file = '<template>'): Render {
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

  const emit = (nodes: Node[], values: TemplateValues, content: string): string => {
    let out = '';
    for (const node of nodes) {
      if (typeof node === 'string') out += node;
      else if (node.kind === 'content') out += content;
      else if (node.kind === 'value') out += escapeHtml(scalar(values[node.name]));
      else {
        const value = values[node.name];
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
