// The requests file of policy-diff: "METHOD URL [IP] [USER]" lines and audit log JSON lines.
import { describe, expect, it } from 'vitest';

import { parseRequestsFile } from '../../src/cli/requests-file.js';
import { formatProblem } from '../../src/shared/problem.js';

const parse = (text: string) => parseRequestsFile('requests.txt', text);
const samples = (text: string) =>
  parse(text).requests.map((r) => [r.sample.method, r.sample.url, r.sample.ip, r.sample.user]);

describe('parseRequestsFile', () => {
  it('reads method, URL, address and user', () => {
    expect(samples('POST https://wiki.example.com/admin 10.0.0.7 alice\n')).toEqual([
      ['POST', 'https://wiki.example.com/admin', '10.0.0.7', 'alice'],
    ]);
  });

  it('a line without a method is a GET from 127.0.0.1 without a session', () => {
    expect(samples('https://wiki.example.com/\n')).toEqual([
      ['GET', 'https://wiki.example.com/', '127.0.0.1', undefined],
    ]);
  });

  it('"-" leaves the address at its default', () => {
    expect(samples('get https://wiki.example.com/ - bob')).toEqual([
      ['GET', 'https://wiki.example.com/', '127.0.0.1', 'bob'],
    ]);
  });

  it('skips blank lines and # comments', () => {
    expect(samples('\n# comment\n   \nGET https://a.example.com/\n')).toHaveLength(1);
  });

  it('remembers the line each request is on', () => {
    expect(parse('\n\n  GET https://a.example.com/').requests[0]!.sample.at).toEqual({
      file: 'requests.txt',
      line: 3,
      col: 3,
    });
  });

  it('reads an audit line, re-encoding its decoded path', () => {
    const line = JSON.stringify({
      event: 'denied',
      user: 'bob',
      ip: '203.0.113.9',
      host: 'wiki.example.com',
      path: '/admin/a b?c',
    });
    expect(samples(line)).toEqual([['GET', 'https://wiki.example.com/admin/a%20b%3Fc', '203.0.113.9', 'bob']]);
    expect(parse(line).requests[0]!.fromAudit).toBe(true);
  });

  it('skips audit lines without host and path', () => {
    const out = parse(JSON.stringify({ event: 'code_sent', user: 'bob', ip: '203.0.113.9' }));
    expect([out.requests.length, out.skipped, out.problems.length]).toEqual([0, 1, 0]);
  });

  it('reports bad lines at their line and column', () => {
    const out = parse('G3T https://a.example.com/\nGET https://a.example.com/ 10.0.0.1 bob extra\nGET\n{not json');
    expect(out.problems.map(formatProblem)).toEqual([
      'requests.txt:1:1: "G3T" is not an HTTP method; write "METHOD URL [IP] [USER]"',
      'requests.txt:2:41: unexpected "extra"; write "METHOD URL [IP] [USER]"',
      'requests.txt:3:1: a URL is missing; write "METHOD URL [IP] [USER]"',
      'requests.txt:4:1: not valid JSON (a line starting with "{" is read as an audit log line)',
    ]);
  });
});
