// Memory with N live sessions: starts a gate on the store CONFIG names (memory or Redis), creates N
// sessions through its own session layer, and prints its RSS before and after as JSON.
// Usage: session-memory.ts CONFIG N
import { loadGate } from '../../src/config/load-gate.js';
import { startGate } from '../../src/main/server.js';
import { createLogger } from '../../src/shared/log.js';

const [configPath, countText] = process.argv.slice(2) as [string, string];
const count = Number(countText);
const { gate: loaded } = await loadGate(configPath, process.env);
const gate = await startGate(loaded, { log: createLogger({ level: 'silent' }) });
const settle = async () => {
  for (let i = 0; i < 3; i++) {
    globalThis.gc?.();
    await new Promise((r) => setTimeout(r, 100));
  }
  return process.memoryUsage().rss;
};
const idle = await settle();
// One session each for as many people: each also gets its own index of sessions (the larger case).
// A few hundred at a time, so a Redis store is not waited on one round trip after another.
for (let i = 0; i < count; i += 500) {
  await Promise.all(Array.from({ length: Math.min(500, count - i) }, (_, j) => gate.sessions.create(`person${i + j}`)));
}
const loaded100k = await settle();
console.log(JSON.stringify({ idle, withSessions: loaded100k, count }));
await gate.close();
