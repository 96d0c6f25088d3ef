// Watches the config file, the users file and the policy files and folders, and calls back once
// per burst of changes (editors write a file in several steps, or replace it by rename). Folders
// are watched rather than files, so a file replaced by rename is still seen.
import type { FSWatcher } from 'node:fs';
import { watch } from 'node:fs';
import { statSync } from 'node:fs';
import path from 'node:path';

import type { GateConfig } from '../config/types.js';

export interface FileWatcher {
  /** Re-targets the watches after a reload (policy sources may have changed). */
  update(config: GateConfig): void;
  close(): void;
}

export function watchGateFiles(
  config: GateConfig,
  onChange: () => void,
  options: { debounceMs?: number; onError?: (err: Error) => void } = {},
): FileWatcher {
  const debounceMs = options.debounceMs ?? 300;
  let watchers: FSWatcher[] = [];
  let timer: NodeJS.Timeout | undefined;
  const fire = () => {
    clearTimeout(timer);
    timer = setTimeout(onChange, debounceMs);
  };

  function start(config: GateConfig): void {
    // folder -> names that matter in it ("*" for every YAML file)
    const targets = new Map<string, Set<string>>();
    const add = (dir: string, name: string) => targets.set(dir, (targets.get(dir) ?? new Set()).add(name));
    if (path.isAbsolute(config.source)) add(path.dirname(config.source), path.basename(config.source));
    add(path.dirname(config.directoryFile), path.basename(config.directoryFile));
    for (const source of config.policySources) {
      if (isDirectory(source)) add(source, '*');
      else add(path.dirname(source), path.basename(source));
    }
    for (const [dir, names] of targets) {
      try {
        const watcher = watch(dir, (_event, filename) => {
          const name = filename?.toString();
          if (name === undefined || names.has(name) || (names.has('*') && /\.ya?ml$/i.test(name))) fire();
        });
        watcher.on('error', (err) => options.onError?.(err));
        watchers.push(watcher);
      } catch (err) {
        options.onError?.(new Error(`reload: cannot watch ${dir} for changes`, { cause: err }));
      }
    }
  }

  function stop(): void {
    for (const w of watchers) w.close();
    watchers = [];
  }

  start(config);
  return {
    update(next) {
      stop();
      start(next);
    },
    close() {
      clearTimeout(timer);
      stop();
    },
  };
}

function isDirectory(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}
