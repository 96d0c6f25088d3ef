// The typographic rules the Simplified Chinese texts follow, as a Chinese reader expects them
// (the mainland convention of GB/T 15834 punctuation, as in WeChat's and Alipay's own pages),
// and the few wording rules a machine can check: every rule a machine can check is checked, so a
// new text or a helper's translation cannot bring back Latin habits.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

import { SHIPPED_TEMPLATES_DIR } from '../../src/config/compile-config.js';
import { flatten } from '../../src/i18n/locales.js';

const texts = flatten(
  parse(readFileSync(join(SHIPPED_TEMPLATES_DIR, 'locales', 'zh-CN.yaml'), 'utf8')) as unknown,
  'zh-CN.yaml',
);
/** Han characters, CJK and full-width punctuation, and the curly quotes Chinese text uses. */
const CJK = '\\u3000-\\u303f\\u4e00-\\u9fff\\uff00-\\uffef\\u201c\\u201d';
// Texts that name a Latin-script technical term are still Chinese sentences: the rules apply to all.
const offending = (pattern: RegExp) => [...texts].filter(([, text]) => pattern.test(text)).map(([key]) => key);

describe('the Simplified Chinese texts', () => {
  it('put no Latin space between a Chinese character and anything else (a channel name, a number, a placeholder)', () => {
    expect(offending(new RegExp(`[${CJK}] | [${CJK}]`))).toEqual([]);
  });

  it('use full-width punctuation after Chinese characters', () => {
    expect(offending(new RegExp(`[${CJK.replace('\\u201c\\u201d', '')}][,.;:?!()]`))).toEqual([]);
  });

  it('write the ellipsis as the Chinese double ellipsis', () => {
    expect(offending(/(?<!…)…(?!…)|\.\.\./)).toEqual([]);
  });

  it('quote with Chinese quotation marks, not straight quotes', () => {
    expect(offending(new RegExp(`"[^"]*[${CJK}]|[${CJK}][^"]*"`))).toEqual([]);
  });

  it('end every sentence with a Chinese full stop, not a Latin one', () => {
    expect(offending(/\.$/)).toEqual([]);
  });

  it('separate two phrases with a Chinese comma, not a middle dot', () => {
    expect(offending(new RegExp(`[${CJK}] ?·|· ?[${CJK}]`))).toEqual([]);
  });
});

// Wording a reader notices when it changes from page to page, as the sign-in pages of large
// Chinese services keep it: one form of address, one name for a thing.
describe('the Simplified Chinese wording', () => {
  it('addresses the reader as 您 throughout, never 你', () => {
    expect(offending(/你/)).toEqual([]);
  });

  it('calls a phone number 手机号码 everywhere, never 电话号码', () => {
    expect(offending(/电话号码/)).toEqual([]);
  });
});
