// The `assertions:` section and an app's `assertion:`: each mistake is reported at its file and line.
import { describe, expect, it } from 'vitest';

import { assertionsSection, testKey } from '../helpers/assertion-keys.js';
import { compileConfigText, configProblems, configText, MINIMAL_CONFIG } from '../helpers/config-text.js';

const withAssertion = (assertion = '{}') =>
  configText({ server: '  public_url: "https://gate.example.com"' }).replace(
    '    upstream: "http://10.0.0.5:8080"\n',
    `    upstream: "http://10.0.0.5:8080"\n    assertion: ${assertion}\n`,
  );
const k1 = testKey('k1');

describe('assertions config', () => {
  it('compiles keys, the issuer from public_url and the audience from the app host', () => {
    const config = compileConfigText(withAssertion() + assertionsSection([k1]));
    expect(config.assertions).toMatchObject({ issuer: 'https://gate.example.com', lifetime: 120_000 });
    expect(config.apps[0]!.assertion).toEqual({
      mode: 'beside',
      header: 'Remote-Assertion',
      audience: 'wiki.example.com',
    });
  });

  it('names the line of a private key that is not PEM, without repeating it', () => {
    const problems = configProblems(MINIMAL_CONFIG + assertionsSection([{ ...k1, pem: 'not a key at all' }]));
    expect(problems).toEqual([
      'gate.yaml:13:20: is not a PEM private key; EdDSA needs an Ed25519 private key (assertions.keys[0].private_key)',
    ]);
  });

  it('names a key of the wrong kind for its algorithm', () => {
    const problems = configProblems(
      MINIMAL_CONFIG + assertionsSection([{ ...testKey('k1', 'ES256'), algorithm: 'EdDSA' }]),
    );
    expect(problems).toEqual([
      expect.stringMatching(
        /^gate\.yaml:13:20: is a key of type ec prime256v1; EdDSA needs .*\(assertions\.keys\[0\]\.private_key\)$/,
      ),
    ]);
  });

  it('names an unknown algorithm', () => {
    const problems = configProblems(MINIMAL_CONFIG + assertionsSection([{ ...k1, algorithm: 'HS256' as 'EdDSA' }]));
    expect(problems).toEqual([
      expect.stringMatching(/^gate\.yaml:12:18: expected one of "EdDSA", "ES256", got "HS256"/),
    ]);
  });

  it('names the second of two active keys', () => {
    const problems = configProblems(MINIMAL_CONFIG + assertionsSection([k1, testKey('k2')]));
    expect(problems).toEqual([
      expect.stringMatching(/^gate\.yaml:14:7: keys\[0\] is already active.*\(assertions\.keys\[1\]\)$/),
    ]);
  });

  it('names a kid used twice', () => {
    const problems = configProblems(MINIMAL_CONFIG + assertionsSection([k1, { ...testKey('k1'), status: 'next' }]));
    expect(problems).toEqual(['gate.yaml:14:12: the same kid as keys[0] (assertions.keys[1].kid)']);
  });

  it('asks for an active key when none is', () => {
    const problems = configProblems(MINIMAL_CONFIG + assertionsSection([{ ...k1, status: 'next' }]));
    expect(problems).toEqual([expect.stringMatching(/^gate\.yaml:11:5: no key is active.*\(assertions\.keys\)$/)]);
  });

  it('names an app that asks for an assertion when there are no keys', () => {
    expect(configProblems(withAssertion())).toEqual([
      expect.stringMatching(/^gate\.yaml:6:16: an assertion needs signing keys.*\(apps\[0\]\.assertion\)$/),
    ]);
  });

  it('asks for an issuer when there is no public_url', () => {
    const text = withAssertion().replace('  public_url: "https://gate.example.com"\n', '  listen: "0.0.0.0:8080"\n');
    expect(configProblems(text + assertionsSection([k1]))).toEqual([
      expect.stringMatching(/^gate\.yaml:\d+:\d+: the "iss" claim needs a URL.*\(assertions\)$/),
    ]);
  });

  it('names an assertion header that is already an identity header', () => {
    expect(configProblems(withAssertion('{ header: remote-user }') + assertionsSection([k1]))).toEqual([
      expect.stringMatching(
        /^gate\.yaml:6:\d+: "Remote-User" already carries something else.*\(apps\[0\]\.assertion\.header\)$/,
      ),
    ]);
  });
});
