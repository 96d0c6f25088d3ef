// Memory with N live sessions: starts a gate on the memory store from CONFIG, creates N sessions
// through its own session layer, and prints RSS before and after as JSON. Usage: session-memory.ts CONFIG N
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
for (let i = 0; i < count; i++) await gate.sessions.create(`user${i % 1000}`);
const loaded100k = await settle();
console.log(JSON.stringify({ idle, withSessions: loaded100k, count }));
await gate.close();
