// What the sign-in flow says when it cannot go on: a lockout, a code that expired, a send refused.
import type { Refusal } from '../../challenge/limits.js';
import type { Translator } from '../../i18n/locales.js';
import { durationText } from '../../i18n/locales.js';
import { GateError, text } from '../gate-error.js';

/** Too many wrong passwords or codes: wait, then sign in again from the start. */
export function lockedOut(tr: Translator, retryAfterMs: number, prefix: string): GateError {
  return new GateError(
    429,
    'locked_out',
    {
      heading: text('errors.locked_out_heading'),
      text: text('errors.locked_out_text', { wait: durationText(tr, retryAfterMs) }),
      link: { href: `${prefix}/login`, text: text('errors.back_to_sign_in') },
    },
    { retryAfterSeconds: Math.ceil(retryAfterMs / 1000) },
  );
}

/** `signInAgain`: the sign-in page for where the person was going, so a new code leads there too. */
export function codeExpired(signInAgain: string): GateError {
  return new GateError(400, 'code_expired', {
    heading: text('errors.code_expired_heading'),
    text: text('errors.code_expired_text'),
    link: { href: signInAgain, text: text('errors.code_expired_link') },
  });
}

export function refusalText(tr: Translator, refusal: Refusal): string {
  const wait = durationText(tr, refusal.retryAfterMs);
  switch (refusal.reason) {
    case 'cooldown': {
      const seconds = Math.ceil(refusal.retryAfterMs / 1000);
      return tr.plural('refusal.cooldown', seconds, { seconds });
    }
    case 'identity-hourly-limit':
    case 'address-hourly-limit':
    case 'network-hourly-limit':
    case 'destination-hourly-limit':
    case 'prefix-hourly-limit':
      return tr.t('refusal.hourly_limit', { wait });
    case 'locked-out':
      return tr.t('refusal.locked_out', { wait });
    case 'global-hourly-limit':
      return tr.t('refusal.global_limit', { wait });
    case 'prefix-paused':
      return tr.t('refusal.prefix_paused', { wait });
    case 'budget-spent':
      return tr.t('refusal.budget_spent');
    case 'approval-limit':
      return tr.t('refusal.approval_limit', { wait });
  }
}
