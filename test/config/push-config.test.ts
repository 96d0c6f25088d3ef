// The `push:` section: absent by default, the VAPID pair checked against itself, the private key
// from a _file twin, problems at file:line:col.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { configSecrets } from '../../src/config/config-secrets.js';
import { compileConfigText, configProblems, MINIMAL_CONFIG } from '../helpers/config-text.js';
import { pushSection, VAPID_PRIVATE_KEY, VAPID_PUBLIC_KEY } from '../helpers/vapid-keys.js';

const OTHER_PUBLIC_KEY = 'BJu0-22YM9GtGAcMAWcgpJBkhtXrVK-4GUrtjEHAyIxjubY8Jy1G84rEBpiSUN26zO4CmMExxAjkrzv8AdQRkII';

describe('push config', () => {
  it('is absent unless configured', () => {
    expect(compileConfigText(MINIMAL_CONFIG).push).toBeUndefined();
  });

  it("compiles the key pair and subject, with the major browsers' push services and ten devices per person by default", () => {
    expect(compileConfigText(MINIMAL_CONFIG + pushSection()).push).toEqual({
      vapid: { publicKey: VAPID_PUBLIC_KEY, privateKey: VAPID_PRIVATE_KEY, subject: 'mailto:ops@example.com' },
      services: [
        'https://fcm.googleapis.com',
        'https://updates.push.services.mozilla.com',
        'https://web.push.apple.com',
        'https://*.notify.windows.com',
      ],
      maxDevices: 10,
    });
  });

  it('refuses a push service given as a URL with a path', () => {
    const text = MINIMAL_CONFIG + pushSection('  services: ["https://push.example.com/send"]\n');
    expect(configProblems(text)[0]).toMatch(/expected a push service origin.*\(push\.services\[0\]\)$/);
  });

  it('refuses a public key that is not the private key’s, at its line', () => {
    const text = MINIMAL_CONFIG + pushSection().replace(VAPID_PUBLIC_KEY, OTHER_PUBLIC_KEY);
    expect(configProblems(text)).toEqual([
      expect.stringMatching(
        /^gate\.yaml:11:21: is not the public key of vapid_private_key: .*\(push\.vapid_public_key\)$/,
      ),
    ]);
  });

  it('refuses a private key that is not 32 bytes of base64url', () => {
    const text = MINIMAL_CONFIG + pushSection().replace(VAPID_PRIVATE_KEY, 'c2hvcnQ');
    expect(configProblems(text)).toEqual([
      expect.stringMatching(
        /^gate\.yaml:12:22: expected a P-256 private key: 32 bytes in base64url.*generate-vapid-keys.*\(push\.vapid_private_key\)$/,
      ),
    ]);
  });

  it('refuses a push: section without approvals:, whose page its notifications open', () => {
    const text = MINIMAL_CONFIG + pushSection().replace('approvals: {}\n', '');
    expect(configProblems(text)).toEqual([expect.stringMatching(/push needs the approvals: section too.*\(push\)$/)]);
  });

  it('refuses a subject that is neither mailto: nor https:', () => {
    const text = MINIMAL_CONFIG + pushSection().replace('mailto:ops@example.com', 'http://example.com');
    expect(configProblems(text)[0]).toMatch(/expected a contact for push services.*\(push\.subject\)$/);
  });

  it('reads the private key from its _file twin and scrubs it from logs', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'otp-gate-vapid-')), 'vapid');
    writeFileSync(file, `${VAPID_PRIVATE_KEY}\n`);
    const text =
      MINIMAL_CONFIG +
      pushSection().replace(`vapid_private_key: ${VAPID_PRIVATE_KEY}`, `vapid_private_key_file: ${file}`);
    const config = compileConfigText(text);
    expect(config.push?.vapid.privateKey).toBe(VAPID_PRIVATE_KEY);
    expect(configSecrets(config)).toContain(VAPID_PRIVATE_KEY);
  });
});
