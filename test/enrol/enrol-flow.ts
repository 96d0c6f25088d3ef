// Enrols a number through a gate's console channel, as a browser does: the code page, the code
// the console printed, the name page. For tests about what happens to enrolled people afterwards.
import type { Response } from 'supertest';
import { expect } from 'vitest';

import type { Agent } from '../helpers/browser.js';
import { browser, hiddenField, identify, submitCode } from '../helpers/browser.js';
import type { TestGate } from '../helpers/gate.js';
import { waitFor } from '../helpers/wait.js';

/** Proves `number` on `gate` and, when the name page comes, answers `name`; resolves with the answer that signed in. */
export async function enrol(
  gate: TestGate,
  number: string,
  name: string,
  rd = '/guest/',
  agent: Agent = browser(gate),
): Promise<Response> {
  const printed = gate.inbox.lines.length;
  const { csrf } = await identify(agent, number, rd);
  const line = await waitFor(
    () => `a console code after line ${printed}`,
    () => gate.inbox.lines.slice(printed).find((l) => l.includes('console channel] code for')),
  );
  const verified = await submitCode(agent, csrf, /: (\d+)$/.exec(line)![1]!);
  if (verified.status !== 200) return verified;
  const welcomed = await agent
    .post('/_gate/welcome')
    .type('form')
    .send({ csrf: hiddenField(verified.text, 'csrf'), name });
  expect(welcomed.status).toBe(303);
  return welcomed;
}
