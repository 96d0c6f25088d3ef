// The Docker image's command (ENTRYPOINT + CMD), read from the Dockerfile: the dist-start test runs
// exactly it, and the bench starts the gate with its Node flags, so neither drifts from what ships.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** e.g. ["node", "--min-semi-space-size=16", "dist/cli.js", "serve", "--config", "/etc/otp-gate/config.yaml"]. */
export function imageCommand(): string[] {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const exec = (directive: string) =>
    JSON.parse(new RegExp(`^${directive} (\\[.*\\])$`, 'm').exec(dockerfile)![1]!) as string[];
  return [...exec('ENTRYPOINT'), ...exec('CMD')];
}

/** The flags the image gives Node, between "node" and the script. */
export function imageNodeFlags(): string[] {
  const command = imageCommand();
  return command.slice(1, command.indexOf('dist/cli.js'));
}
