// Signing keys for assertion tests, made fresh per run, and the `assertions:` section that names them.
import { generateKeyPairSync } from 'node:crypto';

export interface TestKey {
  kid: string;
  algorithm: 'EdDSA' | 'ES256';
  pem: string;
  status?: 'active' | 'next' | 'retired';
}

export function testKey(kid: string, algorithm: TestKey['algorithm'] = 'EdDSA', status?: TestKey['status']): TestKey {
  const pair =
    algorithm === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, algorithm, pem: pair.privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), status };
}

/** An `assertions:` section; each PEM written as one double-quoted YAML string. */
export function assertionsSection(keys: readonly TestKey[], more = ''): string {
  const lines = keys.flatMap((k) => [
    `    - kid: ${k.kid}`,
    `      algorithm: ${k.algorithm}`,
    `      private_key: ${JSON.stringify(k.pem)}`,
    ...(k.status ? [`      status: ${k.status}`] : []),
  ]);
  return ['assertions:', ...(more ? [more] : []), '  keys:', ...lines, ''].join('\n');
}
