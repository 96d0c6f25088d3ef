// A VAPID key pair for tests only (made with `npx web-push generate-vapid-keys`), and the `push:`
// section that names it.
export const VAPID_PUBLIC_KEY =
  'BNU2pZqPRVhzCiww8Rb2I4YOouBezpMfcU7lWUhtCwap2GZqhMfVevC-LV05wvyV-7XlzGiADy9XU5mMn9Edz7A';
export const VAPID_PRIVATE_KEY = '-kJBfbQ-wuJQBkVgQO0PA4C3lharwrm2jvMVhjuzZtc';

/**
 * The `push:` section, with extra lines (indented by two) after the keys, and the approvals:
 * section it needs (its flow-style YAML value).
 */
export const pushSection = (more = '', approvals = '{}') =>
  `approvals: ${approvals}\npush:\n  vapid_public_key: ${VAPID_PUBLIC_KEY}\n  vapid_private_key: ${VAPID_PRIVATE_KEY}\n  subject: "mailto:ops@example.com"\n${more}`;
