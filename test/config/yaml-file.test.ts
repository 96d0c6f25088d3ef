// Behaviour of the generic YAML loader: positions, env substitution, zod issues in plain words.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

import { formatProblem } from '../../src/shared/problem.js';
import { formatPath, loadYaml } from '../../src/shared/yaml-file.js';

const schema = z.strictObject({
  session: z.strictObject({
    secrets: z.array(z.string().min(32, { error: 'must be at least 32 characters long' })).min(1),
    name: z.string().default('otp_gate'),
  }),
  port: z.number().int().default(8080),
  debug: z.boolean().default(false),
  level: z.enum(['info', 'debug']).default('info'),
  upstream: z
    .string()
    .refine((v) => v.startsWith('http'), { error: 'expected an http:// URL' })
    .optional(),
});

const SECRET = 'x'.repeat(40);
const load = (text: string, env: NodeJS.ProcessEnv = {}) => loadYaml('gate.yaml', text, schema, env);
const lines = (text: string, env: NodeJS.ProcessEnv = {}) => load(text, env).problems.map(formatProblem);

describe('loadYaml', () => {
  it('a valid file gives its value and no problems', () => {
    const out = load(`session:\n  secrets: ["${SECRET}"]\n`);
    expect(out.problems).toEqual([]);
    expect(out.value).toEqual({
      session: { secrets: [SECRET], name: 'otp_gate' },
      port: 8080,
      debug: false,
      level: 'info',
    });
  });

  it('a YAML syntax error names file line and column', () => {
    const out = load('session:\n  secrets: [a\n  name: b\n');
    expect(out.value).toBeUndefined();
    expect(out.problems.length).toBeGreaterThan(0);
    expect(out.problems[0]).toMatchObject({ file: 'gate.yaml', severity: 'error' });
    expect(out.problems[0]?.line).toBeGreaterThan(1);
    expect(out.problems[0]?.col).toBeGreaterThan(0);
    expect(formatProblem(out.problems[0]!)).toMatch(/^gate\.yaml:\d+:\d+: invalid YAML: /);
  });

  it('a duplicate key is a syntax error at the second key', () => {
    const out = load(`session:\n  secrets: ["${SECRET}"]\nport: 1\nport: 2\n`);
    expect(out.problems).toHaveLength(1);
    expect(out.problems[0]).toMatchObject({ line: 4, col: 1 });
  });

  it('an empty file is reported as empty', () => {
    expect(lines('# nothing here\n')).toEqual(['gate.yaml: the file is empty']);
  });

  it('an unknown key is reported at its line and column with a suggestion', () => {
    expect(lines(`sesion:\n  secrets: ["${SECRET}"]\n`)).toEqual([
      'gate.yaml:1:1: missing required option "session" (session)',
      'gate.yaml:1:1: unknown option "sesion" (did you mean "session"?) (sesion)',
    ]);
    expect(lines(`session:\n  secrets: ["${SECRET}"]\n  nmae: x\n`)).toEqual([
      'gate.yaml:3:3: unknown option "nmae" (did you mean "name"?) (session.nmae)',
    ]);
  });

  it('an unknown key far from every option gets no suggestion', () => {
    expect(lines(`session:\n  secrets: ["${SECRET}"]\nwhatever: 1\n`)).toEqual([
      'gate.yaml:3:1: unknown option "whatever" (whatever)',
    ]);
  });

  it('every problem in a file is reported, not only the first', () => {
    expect(lines('session:\n  secrets: [short]\nport: eighty\ndebug: yes\nlevel: loud\nupstream: ftp://x\n')).toEqual([
      'gate.yaml:2:13: must be at least 32 characters long (session.secrets[0])',
      'gate.yaml:3:7: expected a number, got "eighty" (port)',
      'gate.yaml:4:8: expected true or false, got "yes" (debug)',
      'gate.yaml:5:8: expected one of "info", "debug", got "loud" (level)',
      'gate.yaml:6:11: expected an http:// URL, got "ftp://x" (upstream)',
    ]);
  });

  it('a missing required option points at its parent key', () => {
    expect(lines('session:\n  name: x\n')).toEqual([
      'gate.yaml:1:1: missing required option "secrets" (session.secrets)',
    ]);
  });

  it('problems come out in file order', () => {
    const out = load('upstream: ftp://x\nport: eighty\nsession:\n  secrets: []\n');
    expect(out.problems.map((p) => p.line)).toEqual([1, 2, 4]);
  });

  it('an environment variable is substituted into a string value', () => {
    const out = load('session:\n  secrets: ["${SESSION_SECRET}"]\n  name: "pre-${NAME}-post"\n', {
      SESSION_SECRET: SECRET,
      NAME: 'mid',
    });
    expect(out.problems).toEqual([]);
    expect(out.value?.session).toEqual({ secrets: [SECRET], name: 'pre-mid-post' });
  });

  it('a missing environment variable is named', () => {
    expect(lines('session:\n  secrets:\n    - ${SESSION_SECRET}\n')).toEqual([
      'gate.yaml:3:7: environment variable SESSION_SECRET is not set (session.secrets[0])',
    ]);
  });

  it('a missing environment variable does not hide the other problems', () => {
    expect(lines('session:\n  secrets: ["${SESSION_SECRET}"]\nport: eighty\n')).toEqual([
      'gate.yaml:2:13: environment variable SESSION_SECRET is not set (session.secrets[0])',
      'gate.yaml:3:7: expected a number, got "eighty" (port)',
    ]);
  });

  it('a file whose only problem is a missing variable gives no value', () => {
    const out = load('session:\n  secrets: ["${SESSION_SECRET}xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]\n');
    expect(out.problems).toHaveLength(1);
    expect(out.value).toBeUndefined();
  });

  it('the value of a substituted secret never appears in an error', () => {
    const leaked = 'hunter2-the-secret';
    const out = load('session:\n  secrets: ["${SESSION_SECRET}"]\nport: ${PORT}\n', {
      SESSION_SECRET: leaked,
      PORT: 'also-secret-value',
    });
    const text = out.problems.map(formatProblem).join('\n');
    expect(text).not.toContain(leaked);
    expect(text).not.toContain('also-secret-value');
    expect(text).toContain('gate.yaml:3:7: expected a number, got the value of ${PORT} (port)');
  });

  it('"$${" writes a literal "${"', () => {
    const out = load(`session:\n  secrets: ["${SECRET}"]\n  name: "$\${NOT_A_VAR}"\n`);
    expect(out.problems).toEqual([]);
    expect(out.value?.session.name).toBe('${NOT_A_VAR}');
  });

  it('a malformed variable reference is reported', () => {
    expect(lines(`session:\n  secrets: ["${SECRET}"]\n  name: "\${lower}"\n`)).toEqual([
      'gate.yaml:3:9: "${lower}" is not a valid variable reference: names use A-Z, 0-9 and _ and do not start with a digit (session.name)',
    ]);
  });

  it('an unquoted variable standing alone takes the type its text has', () => {
    const out = load(`session:\n  secrets: ["${SECRET}"]\nport: \${PORT}\ndebug: \${DEBUG}\n`, {
      PORT: '9090',
      DEBUG: 'true',
    });
    expect(out.problems).toEqual([]);
    expect(out.value).toMatchObject({ port: 9090, debug: true });
  });

  it('a quoted variable stays text', () => {
    const out = load(`session:\n  secrets: ["${SECRET}"]\nport: "\${PORT}"\n`, { PORT: '9090' });
    expect(lines(`session:\n  secrets: ["${SECRET}"]\nport: "\${PORT}"\n`, { PORT: '9090' })).toEqual([
      'gate.yaml:3:7: expected a number, got the value of ${PORT} (port)',
    ]);
    expect(out.value).toBeUndefined();
  });

  it('keys are never substituted', () => {
    expect(lines(`session:\n  secrets: ["${SECRET}"]\n\${KEY}: 1\n`, { KEY: 'port' })[0]).toContain(
      'unknown option "${KEY}"',
    );
  });

  it('a literal value under a secret-looking option is not echoed', () => {
    const text = lines('session:\n  secrets: [12345]\n').join('\n');
    expect(text).toBe('gate.yaml:2:13: expected text, got a value not shown here (session.secrets[0])');
  });

  it('locate maps an option path to the line and column of its value', () => {
    const out = load(`port: 1\nsession:\n  secrets:\n    - "${SECRET}"\n    - "${SECRET}"\n`);
    expect(out.locate(['session', 'secrets', 1])).toEqual({ line: 5, col: 7 });
    expect(out.locate(['session'])).toEqual({ line: 3, col: 3 });
    expect(out.locateKey(['session'])).toEqual({ line: 2, col: 1 });
    expect(out.locate(['session', 'nothing', 'here'])).toEqual({ line: 2, col: 1 });
  });

  it('option paths are written with dots and brackets', () => {
    expect(formatPath(['session', 'secrets', 0])).toBe('session.secrets[0]');
    expect(formatPath(['users', 'a.b', 'phone'])).toBe('users["a.b"].phone');
  });
});
