// `otp-gate explain`: which rule decides a request and why the ones before it did not — using
// the very policy engine the gate serves with.
import { loadGate } from '../config/load-gate.js';
import { normalisePhone } from '../directory/users-file.js';
import { createAppMatcher } from '../http/app-matcher.js';
import { explain } from '../policy/decide.js';
import { mayEnrol } from '../policy/enrol.js';
import type { ExplainSubject } from '../policy/format-explain.js';
import { formatExplain } from '../policy/format-explain.js';
import { normaliseHost, normalisePath } from '../policy/normalise-path.js';
import type { Decision } from '../policy/types.js';
import { canonicalAddress } from '../shared/net/cidr.js';
import { EXIT, reportingConfigErrors } from './output.js';

export interface ExplainArgs {
  config: string;
  url: string;
  method: string;
  ip: string;
  user: string | undefined;
  /** A service token by name, with its groups, instead of a person. */
  token?: string | undefined;
  groups?: string | undefined;
  /** "bearer" or "basic": the request carries a token (the user's personal one, or the service token). */
  via?: string | undefined;
}

export function runExplain(args: ExplainArgs): Promise<number> {
  return reportingConfigErrors(async () => {
    const { gate } = await loadGate(args.config, process.env);
    let url: URL;
    try {
      url = new URL(args.url);
    } catch {
      process.stderr.write(
        `explain: --url "${args.url}" is not an absolute URL (e.g. https://wiki.example.com/admin/)\n`,
      );
      return EXIT.usage;
    }
    const host = normaliseHost(url.host);
    const path = normalisePath(url.pathname + url.search);
    const ip = canonicalAddress(args.ip);
    if (host === undefined || !path.ok || ip === undefined) {
      const why =
        host === undefined ? 'its host is unreadable' : !path.ok ? path.reason : `--ip "${args.ip}" is not an address`;
      process.stderr.write(`explain: the gate would refuse this request with 400: ${why}\n`);
      return EXIT.ok;
    }
    const facts = { host, path: path.path, method: args.method.toUpperCase(), ip };
    if (!createAppMatcher(gate.config.apps)(host, facts.path)) {
      process.stdout.write(
        `no app is configured for host "${host}" and path "${facts.path}": the gate answers 404 before any rule\n`,
      );
      return EXIT.ok;
    }
    const result = explain(gate.policy, facts);
    if (args.via !== undefined && args.via !== 'bearer' && args.via !== 'basic') {
      process.stderr.write(`explain: --via "${args.via}" is not bearer or basic\n`);
      return EXIT.usage;
    }
    const basic = args.via === 'basic';
    let subject: ExplainSubject | undefined;
    if (args.token !== undefined) {
      const groups = (args.groups ?? '').split(',').filter(Boolean);
      subject = { user: args.token, groups, token: { kind: 'service', basic } };
    } else if (args.user !== undefined) {
      const user = gate.directory.find(args.user);
      const phone = user ? undefined : normalisePhone(args.user, gate.config.defaultCountry);
      if (!user && phone === undefined) {
        process.stderr.write(`explain: --user "${args.user}" is not in the users file, nor a phone number\n`);
        return EXIT.usage;
      }
      // A number nobody has in the users file is explained as a newcomer enrolling here.
      subject = user
        ? {
            user: user.username,
            groups: user.groups,
            ...(args.via ? { token: { kind: 'personal' as const, basic } } : {}),
          }
        : newcomer(phone!, result.decision);
    }
    process.stdout.write(formatExplain(result, facts, subject) + '\n');
    return EXIT.ok;
  }, 'nothing was explained');
}

/** A number signing in for the first time: the groups the deciding rule enrols it into, when it may enrol there. */
function newcomer(phone: string, decision: Decision) {
  const enrol = decision.action === 'challenge' ? decision.rule.enrol : undefined;
  const admitted = enrol !== undefined && mayEnrol(enrol, phone);
  return { user: phone, groups: admitted ? [...enrol.groups] : [], enrolled: true, mayEnrol: admitted };
}
