// The asking browser in a few words, for the approval page.
import { describe, expect, it } from 'vitest';

import { browserSummary } from '../../src/pages/browser-summary.js';

describe('browserSummary', () => {
  it('names the browser and its system', () => {
    expect(browserSummary('Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0')).toBe(
      'Firefox (Linux)',
    );
    expect(
      browserSummary(
        'Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36',
      ),
    ).toBe('Chrome (Android)');
    expect(
      browserSummary(
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0',
      ),
    ).toBe('Edge (Windows)');
  });

  it('says nothing for a header it does not recognise, rather than repeating it', () => {
    expect(browserSummary('<script>alert(1)</script>')).toBeUndefined();
    expect(browserSummary(undefined)).toBeUndefined();
  });
});
