// What the code page and its status poll say about a code's delivery: which channel, whether it
// arrived or moved on, when another code may be asked for, and which other channels may be chosen.
import type { ChallengeView } from '../challenge/challenges.js';
import type { Deliveries } from '../channels/delivery.js';
import type { Figures } from '../channels/delivery-figures.js';
import type { DeliveryStatus } from '../channels/delivery-state.js';
import { describeDelivery } from '../channels/delivery-state.js';
import type { Translator } from '../i18n/locales.js';
import { durationText } from '../i18n/locales.js';
import { TOTP } from '../policy/types.js';
import type { TemplateValues } from './templates.js';

/** A channel's name in the page's language ("SMS", "短信"); an unknown channel by its config name. */
export const channelLabel = (tr: Translator, name: string) =>
  tr.has(`delivery.channel_${name}`) ? tr.t(`delivery.channel_${name}`) : name;

export interface DeliveryView {
  channel: string;
  channel_label: string;
  state: DeliveryStatus['state'];
  switched_from: string | undefined;
  message: string;
  /** The one sentence on when the code should arrive: learned, or honest that it is not yet. */
  arrival: string;
  /** ISO time from which a new code (or another channel) may be asked for. */
  resend_at: string;
  resend_in_seconds: number;
  expires_at: string;
  /** The rule's other channels, which the person may pick instead. */
  channels: Array<{ name: string; label: string }>;
}

export async function deliveryView(
  deliveries: Deliveries,
  flowId: string,
  view: ChallengeView,
  now: number,
  tr: Translator,
): Promise<DeliveryView> {
  const record = await deliveries.state(flowId);
  const status: DeliveryStatus = record
    ? describeDelivery(record)
    : { channel: view.channel, state: 'sending', switchedFrom: undefined, failedChannels: 0 };
  // By country only, never the number's prefix: a decoy's country is a real user's, its prefix
  // is not, and a prefix-level figure would tell real numbers apart (issue 25).
  const figures = await deliveries.figures(status.channel, { country: view.country }).catch(() => undefined);
  return {
    channel: status.channel,
    channel_label: channelLabel(tr, status.channel),
    state: status.state,
    switched_from: status.switchedFrom,
    message: statusMessage(tr, status),
    arrival: arrivalSentence(tr, status.channel, figures, view.expiresAt - view.sentAt),
    resend_at: new Date(view.resendAt).toISOString(),
    resend_in_seconds: Math.max(0, Math.ceil((view.resendAt - now) / 1000)),
    expires_at: new Date(view.expiresAt).toISOString(),
    channels: view.channels
      .filter((c) => c !== status.channel)
      .map((name) => ({ name, label: channelLabel(tr, name) })),
  };
}

/**
 * "It usually arrives in 4 seconds and stays valid for 5 minutes": the median learned for the
 * channel to the destination's country, or a sentence that says it is not known yet. WhatsApp
 * authentication messages reach only the primary phone, never linked devices, so it says so.
 */
export function arrivalSentence(tr: Translator, channel: string, figures: Figures | undefined, ttlMs: number): string {
  const key = channel === 'whatsapp' ? 'code.arrival_whatsapp' : 'code.arrival';
  const validity = durationText(tr, ttlMs);
  if (figures === undefined || !Number.isFinite(figures.p50Ms)) return tr.t(key, { validity });
  const seconds = Math.max(1, Math.round(figures.p50Ms / 1000));
  return tr.plural(`${key}_learned`, seconds, { seconds, validity });
}

export function statusMessage(tr: Translator, status: DeliveryStatus): string {
  const via = channelLabel(tr, status.channel);
  const from = channelLabel(tr, status.switchedFrom ?? '');
  switch (status.state) {
    case 'sending':
      return tr.t('delivery.sending', { via });
    case 'sent':
      return tr.t('delivery.sent', { via });
    case 'delivered':
      return status.switchedFrom
        ? tr.t('delivery.delivered_after_switch', { from, via })
        : tr.t('delivery.delivered', { via });
    case 'switched':
      return tr.t('delivery.switched', { from, via });
    case 'failed':
      return tr.t('delivery.failed');
  }
}

/** The code page's delivery values: status line, status poll URLs, and one flag per channel it may switch to. */
export function codePageDeliveryValues(view: DeliveryView, prefix: string, tr: Translator): TemplateValues {
  const values: TemplateValues = {
    channel: view.channel_label,
    delivery_state: view.state,
    delivery_message: view.message,
    arrival: view.arrival,
    status_url: `${prefix}/code/status`,
    status_href: `${prefix}/code`,
    status_script: `${prefix}/assets/code-status.js`,
    entry_script: `${prefix}/assets/code-entry.js`,
    // The authenticator app is not sent anything: it is used, not asked for.
    other_channels: view.channels.map((c) => ({
      name: c.name,
      // Switching to the app sends nothing, so no send limit locks it.
      sends: c.name !== TOTP,
      label: c.name === TOTP ? tr.t('code.use_app') : tr.t('code.resend_via', { channel: c.label }),
    })),
  };
  for (const c of view.channels) values[`switch_to_${c.name}`] = c.label;
  return values;
}
