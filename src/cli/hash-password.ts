// `otp-gate hash-password`: turns a password read from standard input into the hash line for a
// user's `password:` in the users file. Never from an argument, so it stays out of shell history.
import { createInterface } from 'node:readline/promises';
import { Writable } from 'node:stream';

import { MAX_PASSWORD_LENGTH } from '../directory/password-check.js';
import { hashPassword } from '../directory/password-hash.js';
import { EXIT } from './output.js';

/** NIST SP 800-63B: memorized secrets chosen by a person are at least 8 characters. */
const MIN_LENGTH = 8;

/** Its command line takes no arguments (the command table refuses them, unrepeated). */
export async function runHashPassword(): Promise<number> {
  let password: string | undefined;
  try {
    password = process.stdin.isTTY ? await askTwice() : await firstLine();
  } catch (err) {
    // Ctrl-C or Ctrl-D at the prompt; anything else is a real failure, reported by cli.ts.
    if ((err as Error).name !== 'AbortError') throw err;
    process.stderr.write('hash-password: cancelled\n');
    return EXIT.failed;
  }
  if (password === undefined) return refuse('the two passwords differ');
  const problem = passwordProblem(password);
  if (problem !== undefined) return refuse(problem);
  process.stdout.write(`${await hashPassword(password)}\n`);
  return EXIT.ok;
}

function refuse(problem: string): number {
  process.stderr.write(`hash-password: ${problem}; nothing was hashed\n`);
  return EXIT.usage;
}

function passwordProblem(password: string): string | undefined {
  // Counted in Unicode characters after normalisation, as NIST asks and as the hash sees them.
  const length = [...password.normalize('NFKC')].length;
  if (length === 0) return 'the password is empty';
  if (length < MIN_LENGTH) return `the password is shorter than ${MIN_LENGTH} characters (the NIST SP 800-63B minimum)`;
  if (password.length > MAX_PASSWORD_LENGTH)
    return `the password is longer than ${MAX_PASSWORD_LENGTH} characters, which the login refuses`;
  return undefined;
}

/** The first line of piped input ("" when there is none); the rest is left unread. */
async function firstLine(): Promise<string> {
  const lines = createInterface({ input: process.stdin, crlfDelay: Infinity });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}

/** Asks on the terminal with echo off, twice; undefined when the answers differ. */
async function askTwice(): Promise<string | undefined> {
  const first = await askHidden('Password: ');
  const second = await askHidden('Again: ');
  return first === second ? first : undefined;
}

async function askHidden(prompt: string): Promise<string> {
  let muted = false;
  // readline echoes what is typed to its output; muting that output after the prompt hides it.
  const output = new Writable({
    write(chunk, _encoding, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  // Ctrl-C or Ctrl-D ends the question instead of leaving it pending forever.
  const cancel = new AbortController();
  rl.on('SIGINT', () => cancel.abort());
  rl.on('close', () => cancel.abort());
  try {
    const answer = rl.question(prompt, { signal: cancel.signal });
    muted = true;
    return await answer;
  } finally {
    rl.close();
    process.stderr.write('\n');
  }
}
