// A file of API keys (ZTNA_API_KEYS_FILE) read again whenever it changes, without a restart: a
// watch on its folder (editors and Kubernetes replace a file rather than write it in place, which
// a watch on the file itself would miss) and a stat poll behind it, for file systems without
// change events. A file that cannot be read or parsed leaves the last good keys in force.
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname } from 'node:path';
import { parseApiKeys, type ApiKey } from './auth.js';

export interface KeyFileOptions {
  /** How often the file's stat is compared, besides the watch. */
  pollMs: number;
  /** The keys were read again (how many there are now). */
  onReload: (count: number) => void;
  /** The file changed but could not be used; the last good keys stay. */
  onError: (err: Error) => void;
}

/** A changed file is read once it has stood still this long: a write caught halfway could drop keys. */
const SETTLE_MS = 100;

/** What changes when the file is written or replaced: its inode, size and times. */
function versionOf(path: string): string {
  try {
    const s = statSync(path);
    return `${s.ino}:${s.size}:${s.mtimeMs}:${s.ctimeMs}`;
  } catch (err) {
    return `unreadable:${(err as NodeJS.ErrnoException).code ?? ''}`;
  }
}

export class KeyFile {
  private current: readonly ApiKey[];
  private version: string;
  /** A version seen once, read if it is still the file's at the next look. */
  private settling: string | undefined;
  private readonly watcher: FSWatcher | undefined;
  private readonly poll: NodeJS.Timeout;
  private settle: NodeJS.Timeout | undefined;

  /** Reads the file now: one that cannot be read or parsed at start-up throws. */
  constructor(
    readonly path: string,
    private readonly options: KeyFileOptions,
  ) {
    this.version = versionOf(path);
    this.current = parseApiKeys(readFileSync(path, 'utf8'));
    this.watcher = this.watchFolder();
    this.poll = setInterval(() => this.check(), options.pollMs).unref();
  }

  /** The keys in force: the file's last good contents. */
  get keys(): readonly ApiKey[] {
    return this.current;
  }

  private watchFolder(): FSWatcher | undefined {
    try {
      const watcher = watch(dirname(this.path), { persistent: false }, () => this.lookSoon());
      watcher.on('error', () => watcher.close()); // the folder went away: the poll goes on
      return watcher;
    } catch {
      return undefined; // no change events here: the poll alone
    }
  }

  private lookSoon(): void {
    clearTimeout(this.settle);
    this.settle = setTimeout(() => this.check(), SETTLE_MS).unref();
  }

  /** Reads the file again once a change has stood still since the last look; a failure is reported once per version. */
  private check(): void {
    const version = versionOf(this.path);
    if (version === this.version) return;
    if (version !== this.settling) {
      this.settling = version;
      return this.lookSoon();
    }
    this.version = version;
    try {
      this.current = parseApiKeys(readFileSync(this.path, 'utf8'));
      this.options.onReload(this.current.length);
    } catch (err) {
      this.options.onError(err as Error);
    }
  }

  close(): void {
    this.watcher?.close();
    clearInterval(this.poll);
    clearTimeout(this.settle);
  }
}
