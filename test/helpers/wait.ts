// Waiting on real I/O (a local server, a socket, another process) that offers no event to await:
// polls until it shows. Time inside a test gate is moved with a manual clock instead.

/** Resolves with what `find` gives once it gives something other than undefined or false. */
export async function waitFor<T>(
  what: string | (() => string),
  find: () => T | undefined | false | Promise<T | undefined | false>,
  timeoutMs = 5_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await find();
    if (found !== undefined && found !== false) return found;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${typeof what === 'string' ? what : what()}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
