// The `store:` section of a test gate on a test Redis; each gate opens its own connections, as
// separate gate processes would.
export const redisStoreSection = (url: string, commandTimeout = '1s') =>
  `store:\n  type: redis\n  url: "${url}"\n  key_prefix: "it:"\n  command_timeout: ${commandTimeout}\n`;
