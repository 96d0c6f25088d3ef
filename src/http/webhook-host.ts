// Providers call webhooks at server.public_url, whose host is often not one of the apps: such
// requests still reach the gate's webhook routes (and only those), not the unknown-host page.
import type { ServerConfig } from '../config/types.js';
import { normaliseHost } from '../policy/normalise-path.js';
import { isUnderPrefix } from './app-matcher.js';
import type { RequestContext } from './request-context.js';

export const WEBHOOKS_DIR = '/webhooks';

export function isPublicWebhook(rc: RequestContext, server: ServerConfig): boolean {
  if (!server.publicUrl || !isUnderPrefix(rc.facts.path, `${server.pathPrefix}${WEBHOOKS_DIR}`)) return false;
  let publicHost: string | undefined;
  try {
    publicHost = normaliseHost(new URL(server.publicUrl).host);
  } catch {
    return false;
  }
  return publicHost !== undefined && publicHost === rc.facts.host;
}
