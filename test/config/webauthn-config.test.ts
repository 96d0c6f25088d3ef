// The `webauthn:` section: absent by default, defaults filled in, and an RP ID that does not cover
// every app host (and public_url) reported at its file, line and column.
import { describe, expect, it } from 'vitest';

import { compileConfigText, configProblems, configText } from '../helpers/config-text.js';

const BASE = configText({ host: 'wiki.example.com', server: '  public_url: "https://gate.example.com"' });
const withWebauthn = (lines: string) => `${BASE}webauthn:\n${lines}\n`;

describe('webauthn config', () => {
  it('is absent unless configured', () => {
    expect(compileConfigText(BASE).webauthn).toBeUndefined();
  });

  it('takes the brand as RP name, attestation none and a 2 minute timeout by default', () => {
    expect(compileConfigText(withWebauthn('  rp_id: Example.com')).webauthn).toEqual({
      rpId: 'example.com',
      rpName: 'otp-gate',
      attestation: 'none',
      timeout: 120_000,
    });
  });

  it('reports an RP ID that does not cover an app host, at its line, with the domain that would', () => {
    expect(configProblems(withWebauthn('  rp_id: wiki.example.com'))).toEqual([
      expect.stringMatching(
        /^gate\.yaml:12:10: "wiki\.example\.com" does not cover server\.public_url "gate\.example\.com": .*"example\.com" covers every host \(webauthn\.rp_id\)$/,
      ),
    ]);
  });

  it('refuses an IP address as RP ID', () => {
    expect(configProblems(withWebauthn('  rp_id: 10.0.0.5'))[0]).toContain('an IP address cannot be an RP ID');
  });
});
