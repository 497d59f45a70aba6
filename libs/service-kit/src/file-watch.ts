/**
 * Files a service reloads while it runs (key files, a JWKS), and the atomic write that makes
 * reloading them safe.
 *
 * Reloading polls the file's content rather than watching it: Kubernetes updates a mounted secret
 * by swapping a symlink, which file watchers miss, and reading a small file every few seconds
 * costs nothing. A changed file that does not parse, or that the service cannot use now, is
 * refused and what is in use stays; a refusal is reported once per content, not at every poll.
 */
import { randomBytes } from "node:crypto";
import { closeSync, fsyncSync, openSync, renameSync, unlinkSync, writeSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { ConfigError } from "./config.js";
import type { Secret } from "./secret.js";

/** Key material from a mounted file (reloaded while running) or inline from a secret variable. */
export type SecretSource = { readonly kind: "file"; readonly path: string } | { readonly kind: "inline"; readonly text: Secret<string> };

export interface LoadSecretOptions<T> {
  /** The variables that name the file and that hold the text inline, for the ConfigError. */
  readonly fileVariable: string;
  readonly inlineVariable: string;
  readonly parse: (text: string) => T;
  /** Why a parse failed, when the error is the format's own (its message names no value); else "cannot read". */
  readonly describe: (error: unknown) => string | undefined;
  /** Whether the value can be used now, and the reason when it cannot. */
  readonly usable: (value: T) => boolean;
  readonly unusable: string;
}

/**
 * Loads key material at start-up. Any problem is a ConfigError naming the variable, never a
 * random key in place of a missing one. `content` is the file's bytes, for a FileWatcher.
 */
export async function loadSecretSource<T>(source: SecretSource, options: LoadSecretOptions<T>): Promise<{ readonly value: T; readonly content: Buffer | undefined }> {
  const variable = source.kind === "file" ? options.fileVariable : options.inlineVariable;
  let content: Buffer | undefined;
  let value: T;
  try {
    if (source.kind === "file") content = await readFile(source.path);
    value = options.parse(source.kind === "file" ? (content ?? Buffer.alloc(0)).toString("utf8") : source.text.reveal());
  } catch (e) {
    throw new ConfigError([{ variable, reason: options.describe(e) ?? "cannot read the key file" }]);
  }
  if (!options.usable(value)) throw new ConfigError([{ variable, reason: options.unusable }]);
  return { value, content };
}

export const ReloadResult = {
  Reloaded: "reloaded",
  Unchanged: "unchanged",
  Unreadable: "unreadable",
  Invalid: "invalid",
  NoUsableKey: "no_usable_key",
} as const;
export type ReloadResult = (typeof ReloadResult)[keyof typeof ReloadResult];
export const RELOAD_RESULTS: readonly ReloadResult[] = Object.values(ReloadResult);

export interface FileWatcherOptions<T> {
  readonly path: string;
  /** The bytes in use now (read at start-up), so an unchanged file is not parsed again. */
  readonly content: Buffer;
  /** Parses the file; throwing refuses it as `invalid`. */
  readonly parse: (text: string) => T;
  /** Whether a parsed value can be used now; `false` refuses it as `no_usable_key`. */
  readonly usable?: (value: T) => boolean;
  /** Puts a new value in use. */
  readonly apply: (value: T) => void;
  readonly onResult: (result: ReloadResult) => void;
}

export class FileWatcher<T> {
  readonly #options: FileWatcherOptions<T>;
  #content: Buffer;
  /** The last refused content and why. */
  #refused: { readonly content: Buffer; readonly result: ReloadResult } | undefined;
  #unreadable = false;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<ReloadResult> | undefined;
  #queued: Promise<ReloadResult> | undefined;

  constructor(options: FileWatcherOptions<T>) {
    this.#options = options;
    this.#content = options.content;
  }

  /**
   * One check that reads the file after this call. A check already reading may have read it
   * before the caller's change, so callers during it share one more check queued behind it.
   */
  check(): Promise<ReloadResult> {
    const running = this.#running;
    if (running === undefined) {
      const started = this.#check().finally(() => {
        if (this.#running === started) this.#running = undefined;
      });
      this.#running = started;
      return started;
    }
    this.#queued ??= running.then(() => {
      this.#queued = undefined;
      return this.check();
    });
    return this.#queued;
  }

  async #check(): Promise<ReloadResult> {
    let content: Buffer;
    try {
      content = await readFile(this.#options.path);
    } catch {
      if (this.#unreadable) return ReloadResult.Unreadable;
      this.#unreadable = true;
      return this.#report(ReloadResult.Unreadable);
    }
    this.#unreadable = false;
    if (content.equals(this.#content)) return ReloadResult.Unchanged;
    if (this.#refused !== undefined && content.equals(this.#refused.content)) return this.#refused.result;
    let value: T;
    try {
      value = this.#options.parse(content.toString("utf8"));
    } catch {
      return this.#refuse(content, ReloadResult.Invalid);
    }
    if (this.#options.usable !== undefined && !this.#options.usable(value)) return this.#refuse(content, ReloadResult.NoUsableKey);
    this.#content = content;
    this.#refused = undefined;
    this.#options.apply(value);
    return this.#report(ReloadResult.Reloaded);
  }

  #refuse(content: Buffer, result: ReloadResult): ReloadResult {
    this.#refused = { content, result };
    return this.#report(result);
  }

  #report(result: ReloadResult): ReloadResult {
    this.#options.onResult(result);
    return result;
  }

  start(intervalMs: number): void {
    if (intervalMs <= 0 || this.#timer !== undefined) return;
    this.#timer = setInterval(() => void this.check(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/**
 * Writes a file atomically: a temporary file (`mode`, 0600 by default) in the same directory,
 * flushed, then renamed over the target, so a reader (or a reloading service) never sees half a file.
 */
export function writeFileAtomic(path: string, text: string, mode = 0o600): void {
  const temp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString("hex")}.tmp`);
  const fd = openSync(temp, "wx", mode);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(temp);
    throw e;
  }
  closeSync(fd);
  renameSync(temp, path);
}
