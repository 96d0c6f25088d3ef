// Whether a sign-in can wait for approval at all. Scan and WhatsApp reply wait for the person to
// act, so they always can; a channel that alerts the person's devices (push) only when the person
// registered one. A rule such as [push, sms] for someone with no registered browser therefore
// sends the code at once, as if push were not listed, rather than wait for a notification that
// never comes. A rule with nothing after its approval channels waits all the same: there is no
// code to fall back on. Like a passkey (login-routes.ts), having a push device shows in what the
// page does next.
import { approvalChannels, type LoginRule } from '../../policy/login-rule.js';
import { APPROVAL_CHANNELS } from '../../policy/types.js';
import type { LoginRouteDeps } from './login-flow.js';

export async function approvalReaches(deps: LoginRouteDeps, rule: LoginRule, identifier: string): Promise<boolean> {
  if (rule.channels.every((c) => APPROVAL_CHANNELS.includes(c))) return true;
  const user = deps.state().directory.lookup(identifier).user?.username;
  for (const channel of approvalChannels(rule)) {
    const notifier = deps.approvals.notifiers.get(channel);
    if (!notifier) return true;
    if (user !== undefined && (await notifier.reaches(user))) return true;
  }
  return false;
}
