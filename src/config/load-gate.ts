// The one validator `check` and start-up share: loads the config, the users file and the
// policies, and either returns the compiled gate or throws every problem found at once.
import { readFile } from 'node:fs/promises';
import path from 'node:path';

import type { CountryCode } from 'libphonenumber-js';
import { isSupportedCountry } from 'libphonenumber-js';

import type { Directory } from '../directory/types.js';
import { loadUsersFile } from '../directory/users-file.js';
import { PUSH, SCAN, TOTP, WEBAUTHN, WHATSAPP_REPLY } from '../policy/types.js';
import { parseDuration } from '../shared/duration.js';
import type { Problem } from '../shared/problem.js';
import { ConfigError } from '../shared/problem.js';
import type { LoadedYaml } from '../shared/yaml-file.js';
import { formatPath, loadYaml } from '../shared/yaml-file.js';
import { compileConfig } from './compile-config.js';
import { SECRET_OPTIONS } from './config-secrets.js';
import type { PolicySource } from './policy-files.js';
import { errorCode, loadPolicyFiles } from './policy-files.js';
import { keepStartupSettings } from './restart-only.js';
import { channelSchemas, configSchema } from './schema.js';
import type { GateConfig, LoadedGate } from './types.js';

/** The `file` to pass for a config that lives in the program (the demo), not on disk. */
export const EMBEDDED = '<embedded>';

export interface LoadGateResult {
  gate: LoadedGate;
  /** Problems of severity "warning": worth printing, not worth refusing to start. */
  warnings: Problem[];
}

export interface LoadGateOptions {
  /** Folder that relative paths resolve against; default the config file's folder (cwd when embedded). */
  baseDir?: string;
  /**
   * On a reload, the config the gate started with: users and policies are checked against its
   * channels and session lifetime, which stay in use until a restart, not the file's.
   */
  startedWith?: GateConfig;
}

/** Loads a config file from disk. Throws ConfigError carrying every problem when anything is wrong. */
export async function loadGate(
  configPath: string,
  env: NodeJS.ProcessEnv,
  options: LoadGateOptions = {},
): Promise<LoadGateResult> {
  let text: string;
  try {
    text = await readFile(configPath, 'utf8');
  } catch (cause) {
    throw new ConfigError([problem(configPath, `cannot read config file: ${errorCode(cause)}`)]);
  }
  return loadGateFromText(configPath, text, env, options);
}

/** Loads a config given as text; `file` is how it is named in messages (EMBEDDED for the demo). */
export async function loadGateFromText(
  file: string,
  text: string,
  env: NodeJS.ProcessEnv,
  options: LoadGateOptions = {},
): Promise<LoadGateResult> {
  const source = file === EMBEDDED ? EMBEDDED : path.resolve(file);
  const baseDir = options.baseDir ?? (file === EMBEDDED ? process.cwd() : path.dirname(source));
  const loaded = loadYaml(file, text, configSchema, env, { baseDir, secretOptions: SECRET_OPTIONS });
  const config = loaded.value ? compileConfig(loaded.value, { source, baseDir }) : undefined;
  // Even with a broken config, check the users and policies it points at, so one run shows everything.
  const refs: Refs = config
    ? refsOf(options.startedWith ? keepStartupSettings(options.startedWith, config).config : config)
    : salvageRefs(loaded.data, baseDir);
  const policySources: PolicySource[] = refs.policySources.map((absolute, i) => ({
    absolute,
    written: stringAt(loaded.data, ['policies', i]) ?? absolute,
    at: { file, ...loaded.locate(['policies', i]), path: formatPath(['policies', i]) },
  }));
  const [users, policies] = await Promise.all([
    refs.directoryFile
      ? readUsers(refs.directoryFile, loaded, { defaultCountry: refs.defaultCountry, env, channels: refs.channelNames })
      : { directory: undefined, problems: [] },
    loadPolicyFiles(policySources, {
      defaultLifetimeMs: refs.defaultLifetimeMs,
      channels: refs.channelNames,
      env,
      display,
    }),
  ]);
  const problems = [...loaded.problems, ...users.problems, ...policies.problems];
  if (!config || !users.directory || !policies.policy || problems.some((p) => p.severity === 'error')) {
    const added = config && options.startedWith ? addedChannels(options.startedWith, config) : [];
    // "channel sms is not configured" reads as wrong while the file configures it: say why.
    if (added.length > 0)
      problems.push(
        loaded.problemAt(
          ['channels'],
          `channels added since the start (${added.join(', ')}) are not running: users and policies can name them after a restart`,
        ),
      );
    throw new ConfigError(problems);
  }
  return { gate: { config, directory: users.directory, policy: policies.policy }, warnings: problems };
}

async function readUsers(
  absolute: string,
  config: LoadedYaml<unknown>,
  options: { defaultCountry: string | undefined; env: NodeJS.ProcessEnv; channels: readonly string[] },
): Promise<{ directory: Directory | undefined; problems: Problem[] }> {
  let text: string;
  try {
    text = await readFile(absolute, 'utf8');
  } catch (cause) {
    const written = stringAt(config.data, ['directory', 'file']) ?? absolute;
    const message = `cannot read users file "${written}": ${errorCode(cause)}`;
    return { directory: undefined, problems: [config.problemAt(['directory', 'file'], message)] };
  }
  return loadUsersFile(display(absolute), text, options);
}

function addedChannels(started: GateConfig, next: GateConfig): string[] {
  return Object.keys(next.channels).filter((name) => !(name in started.channels));
}

interface Refs {
  directoryFile: string | undefined;
  defaultCountry: string | undefined;
  policySources: string[];
  channelNames: string[];
  defaultLifetimeMs: number;
}

function refsOf(config: GateConfig): Refs {
  return {
    directoryFile: config.directoryFile,
    defaultCountry: config.defaultCountry,
    policySources: config.policySources,
    channelNames: withFactorChannels(Object.keys(config.channels), {
      totp: config.totp !== undefined,
      webauthn: config.webauthn !== undefined,
      approvals: config.approvals !== undefined,
      whatsappReply:
        config.channels.whatsapp?.type === 'whatsapp' && config.channels.whatsapp.businessNumber !== undefined,
      push: config.push !== undefined,
    }),
    defaultLifetimeMs: config.session.lifetime,
  };
}

/** What a config that failed validation still says reliably about where users and policies are. */
function salvageRefs(data: unknown, baseDir: string): Refs {
  const file = stringAt(data, ['directory', 'file']);
  const country = stringAt(data, ['directory', 'default_country'])?.toUpperCase();
  const policies = valueAt(data, ['policies']);
  const channels = valueAt(data, ['channels']);
  const lifetime = parseDuration(stringAt(data, ['session', 'lifetime']) ?? '12h');
  return {
    directoryFile: file ? path.resolve(baseDir, file) : undefined,
    defaultCountry: country && isSupportedCountry(country as CountryCode) ? country : undefined,
    policySources: Array.isArray(policies)
      ? policies.filter((p): p is string => typeof p === 'string' && p !== '').map((p) => path.resolve(baseDir, p))
      : [],
    channelNames: withFactorChannels(
      channels && typeof channels === 'object'
        ? Object.keys(channels).filter((c) => c in channelSchemas)
        : Object.keys(channelSchemas),
      {
        totp: valueAt(data, ['totp']) !== undefined,
        webauthn: valueAt(data, ['webauthn']) !== undefined,
        approvals: valueAt(data, ['approvals']) !== undefined,
        whatsappReply: valueAt(data, ['channels', 'whatsapp', 'business_number']) !== undefined,
        push: valueAt(data, ['push']) !== undefined,
      },
    ),
    defaultLifetimeMs: lifetime ?? 12 * 3_600_000,
  };
}

/**
 * With a totp: section, rules and users may name "totp" (the authenticator app) like a channel;
 * with a webauthn: section, "webauthn" (passkeys and security keys); with an approvals: section,
 * "scan", "whatsapp_reply" when WhatsApp has a business number to write to, and "push" with a
 * push: section (sign-in approvals on browsers the person registered).
 */
function withFactorChannels(
  channels: string[],
  configured: { totp: boolean; webauthn: boolean; approvals: boolean; whatsappReply: boolean; push: boolean },
): string[] {
  return [
    ...channels,
    ...(configured.totp ? [TOTP] : []),
    ...(configured.webauthn ? [WEBAUTHN] : []),
    ...(configured.approvals ? [SCAN] : []),
    ...(configured.approvals && configured.whatsappReply ? [WHATSAPP_REPLY] : []),
    ...(configured.approvals && configured.push ? [PUSH] : []),
  ];
}

function valueAt(data: unknown, at: readonly (string | number)[]): unknown {
  let node = data;
  for (const seg of at)
    node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[seg] : undefined;
  return node;
}

function stringAt(data: unknown, at: readonly (string | number)[]): string | undefined {
  const v = valueAt(data, at);
  return typeof v === 'string' ? v : undefined;
}

/** Paths under the working folder are shown relative to it, others absolute. */
function display(absolute: string): string {
  const rel = path.relative(process.cwd(), absolute);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : absolute;
}

function problem(file: string, message: string): Problem {
  return { file, line: 0, col: 0, path: '', message, severity: 'error' };
}
