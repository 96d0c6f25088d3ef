// What the code page and its status poll say about a code's delivery: which channel, whether it
// arrived or moved on, when another code may be asked for, and which other channels may be chosen.
import type { ChallengeView } from '../challenge/challenges.js';
import type { Deliveries } from '../channels/delivery.js';
import type { DeliveryStatus } from '../channels/delivery-state.js';
import { describeDelivery } from '../channels/delivery-state.js';

const LABELS: Record<string, string> = { whatsapp: 'WhatsApp', sms: 'SMS', console: 'the gate console' };
export const channelLabel = (name: string) => LABELS[name] ?? name;

export interface DeliveryView {
  channel: string;
  channel_label: string;
  state: DeliveryStatus['state'];
  switched_from: string | undefined;
  message: string;
  /** ISO time from which a new code (or another channel) may be asked for. */
  resend_at: string;
  resend_in_seconds: number;
  expires_at: string;
  /** The rule's other channels, which the person may pick instead. */
  channels: Array<{ name: string; label: string }>;
}

export async function deliveryView(deliveries: Deliveries, flowId: string, view: ChallengeView, now: number): Promise<DeliveryView> {
  const record = await deliveries.state(flowId);
  const status: DeliveryStatus = record
    ? describeDelivery(record)
    : { channel: view.channel, state: 'sending', switchedFrom: undefined, failedChannels: 0 };
  return {
    channel: status.channel,
    channel_label: channelLabel(status.channel),
    state: status.state,
    switched_from: status.switchedFrom,
    message: statusMessage(status),
    resend_at: new Date(view.resendAt).toISOString(),
    resend_in_seconds: Math.max(0, Math.ceil((view.resendAt - now) / 1000)),
    expires_at: new Date(view.expiresAt).toISOString(),
    channels: view.channels.filter((c) => c !== status.channel).map((name) => ({ name, label: channelLabel(name) })),
  };
}

export function statusMessage(status: DeliveryStatus): string {
  const via = channelLabel(status.channel);
  switch (status.state) {
    case 'sending':
      return `Sending your code via ${via}…`;
    case 'sent':
      return `Sent via ${via}. It should arrive in a few seconds.`;
    case 'delivered':
      return status.switchedFrom ? `${channelLabel(status.switchedFrom)} could not deliver it; delivered via ${via}.` : `Delivered via ${via}.`;
    case 'switched':
      return `${channelLabel(status.switchedFrom ?? '')} could not deliver it in time, so we sent it via ${via}.`;
    case 'failed':
      return 'We could not deliver your code. Choose another way below or ask for a new code.';
  }
}

/** The code page's delivery values: status line, status poll URLs, and one flag per channel it may switch to. */
export function codePageDeliveryValues(view: DeliveryView, prefix: string): Record<string, string | boolean | undefined> {
  const values: Record<string, string | boolean | undefined> = {
    channel: view.channel_label,
    delivery_state: view.state,
    delivery_message: view.message,
    status_url: `${prefix}/code/status`,
    status_href: `${prefix}/code`,
    status_script: `${prefix}/assets/code-status.js`,
    other_channels: view.channels.length > 0,
  };
  for (const c of view.channels) values[`switch_to_${c.name}`] = c.label;
  return values;
}
