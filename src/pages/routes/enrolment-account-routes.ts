// An enrolled person's own part of the account page (open enrolment, issue 21): the number they
// signed in with and since when, and a way to be forgotten. Forgetting does what `otp-gate users
// remove` does (the person leaves the store; every session and trusted browser of the number
// ends) and, like changing a way to sign in, needs a recent sign-in.
import type Router from '@koa/router';

import type { EnrolledPeople } from '../../challenge/enrolled-people.js';
import { isEnrolledId } from '../../directory/enrolled-id.js';
import type { Session } from '../../session/sessions.js';
import type { TrustedDevices } from '../../session/trusted-devices.js';
import { csrfToken } from '../form.js';
import { text } from '../gate-error.js';
import type { AccountRouteDeps, AccountSection } from './account-routes.js';

export interface EnrolmentRouteDeps extends AccountRouteDeps {
  people: EnrolledPeople;
  devices: TrustedDevices;
}

const PURPOSE = 'forget';

/** The session is an enrolled person's own: a number the users file has not taken over since. */
const enrolledSession = (deps: Pick<EnrolmentRouteDeps, 'state'>, session: Session) =>
  isEnrolledId(session.user) && !deps.state().directory.find(session.user);

export function enrolmentAccountSection(
  deps: Pick<EnrolmentRouteDeps, 'people' | 'state' | 'signer' | 'respond'>,
): AccountSection {
  return {
    name: 'enrolment',
    async values(ctx, session) {
      if (!enrolledSession(deps, session)) return undefined;
      const person = await deps.people.find(session.user);
      if (!person) return undefined;
      const since = new Date(person.firstSignIn).toISOString().slice(0, 10);
      return {
        summary: deps.respond.texts(ctx).t('account.enrolment_text', { number: person.number, since }),
        forget_action: `${deps.state().config.server.pathPrefix}/account/forget`,
        csrf: csrfToken(deps.signer, `${PURPOSE}:${session.id}`),
      };
    },
  };
}

export function registerEnrolmentRoutes(router: Router, deps: EnrolmentRouteDeps): void {
  const prefix = () => deps.state().config.server.pathPrefix;

  router.post('/account/forget', async (ctx) => {
    const { session } = await deps.signedIn.form(ctx, `${prefix()}/account/forget`, PURPOSE);
    if (!session || !deps.signedIn.isRecent(session, deps.state().config.account.reauthWithin))
      return deps.signedIn.toSignIn(ctx, `${prefix()}/account`);
    if (!enrolledSession(deps, session)) {
      ctx.redirect(`${prefix()}/account`);
      ctx.status = 303;
      return;
    }
    await deps.people.remove(session.user);
    const sessions = await deps.sessions.revokeUser(session.user);
    // A trusted browser would otherwise sign the number straight back in as the forgotten person.
    const browsers = await deps.devices.revokeUser(session.user);
    deps.audit.record({
      event: 'person_removed',
      user: session.user,
      ip: deps.context(ctx).facts.ip,
      by: 'self',
      outcome: 'ok',
      reason: `ended ${sessions} session(s) and ${browsers} trusted browser(s)`,
    });
    deps.cookies.clearSession(ctx);
    deps.respond.message(ctx, 200, 'forgotten', {
      heading: text('message.forgotten_heading'),
      text: text('message.forgotten_text'),
      link: { href: `${prefix()}/login`, text: text('message.sign_in_again') },
    });
  });
}
