// The pages' one stylesheet: templates/gate.css (or the operator's own) with the brand's accent
// colour appended, served as a static file under a content-hashed URL. Pages then carry no inline
// style and no per-request nonce, and browsers keep the file for as long as the config lasts.
import { createHash } from 'node:crypto';

export interface Stylesheet {
  css: string;
  /** A hash of `css`: the `?v=` of its URL, so a changed stylesheet is a new URL. */
  version: string;
}

/** Served under the gate's path prefix. */
export const STYLESHEET_PATH = '/assets/gate.css';

export function buildStylesheet(base: string, accentColor: string | undefined): Stylesheet {
  // The brand's colour wins in both schemes: buttons carry it, with white text on it.
  const brand = accentColor
    ? `\n:root { --accent: ${accentColor}; }\n@media (prefers-color-scheme: dark) { :root { --accent: ${accentColor}; } button { color: #fff; } }\n`
    : '';
  const css = base + brand;
  return { css, version: createHash('sha256').update(css).digest('hex').slice(0, 12) };
}

export const stylesheetHref = (prefix: string, sheet: Stylesheet) => `${prefix}${STYLESHEET_PATH}?v=${sheet.version}`;
