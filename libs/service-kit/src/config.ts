/**
 * Configuration from the environment, read once at start-up. A malformed value stops start-up
 * with an error that names the variable (never its value: it may be a secret). There are no
 * silent defaults for secrets; callers decide what has a default.
 */
import { CodedError } from "@oblivious/wire";

export const ConfigErrorCode = {
  /** One or more variables are missing or hold no usable value; `variables` names them. */
  Invalid: "invalid",
} as const;
export type ConfigErrorCode = (typeof ConfigErrorCode)[keyof typeof ConfigErrorCode];

export class ConfigError extends CodedError<ConfigErrorCode> {
  override readonly name = "ConfigError";
  readonly variables: readonly string[];

  constructor(problems: readonly { variable: string; reason: string }[]) {
    super(ConfigErrorCode.Invalid, `invalid configuration: ${problems.map((p) => `${p.variable}: ${p.reason}`).join("; ")}`);
    this.variables = problems.map((p) => p.variable);
  }
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Parses `250ms`, `30s`, `5m`, `1h`, `7d` into milliseconds; `undefined` if malformed. */
export function parseDuration(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  if (!m) return undefined;
  const unit = m[2] as keyof typeof UNIT_MS;
  return Math.round(Number(m[1]) * UNIT_MS[unit]);
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * Collects every problem before failing, so one start-up names all the bad variables at once.
 * Call `done()` after reading: it throws a ConfigError if anything was wrong.
 */
export class EnvReader {
  readonly #env: Env;
  readonly #problems: { variable: string; reason: string }[] = [];

  constructor(env: Env) {
    this.#env = env;
  }

  #raw(name: string): string | undefined {
    const v = this.#env[name];
    return v === undefined || v.trim() === "" ? undefined : v.trim();
  }

  #fail(variable: string, reason: string): void {
    this.#problems.push({ variable, reason });
  }

  has(name: string): boolean {
    return this.#raw(name) !== undefined;
  }

  string(name: string, fallback: string): string;
  string(name: string): string | undefined;
  string(name: string, fallback?: string): string | undefined {
    return this.#raw(name) ?? fallback;
  }

  /** A required value: missing is a configuration error. */
  required(name: string): string {
    const v = this.#raw(name);
    if (v === undefined) this.#fail(name, "is required");
    return v ?? "";
  }

  int(name: string, fallback: number, range: { min?: number; max?: number } = {}): number {
    const raw = this.#raw(name);
    if (raw === undefined) return fallback;
    const n = Number(raw);
    const min = range.min ?? Number.MIN_SAFE_INTEGER;
    const max = range.max ?? Number.MAX_SAFE_INTEGER;
    if (!/^-?\d+$/.test(raw) || !Number.isSafeInteger(n) || n < min || n > max) {
      this.#fail(name, `must be an integer from ${min} to ${max}`);
      return fallback;
    }
    return n;
  }

  port(name: string, fallback: number): number {
    return this.int(name, fallback, { min: 0, max: 65535 });
  }

  /** A duration such as `30s`; returns milliseconds. */
  duration(name: string, fallbackMs: number, range: { minMs?: number; maxMs?: number } = {}): number {
    const raw = this.#raw(name);
    if (raw === undefined) return fallbackMs;
    const ms = parseDuration(raw);
    if (ms === undefined || ms < (range.minMs ?? 0) || ms > (range.maxMs ?? Number.MAX_SAFE_INTEGER)) {
      this.#fail(name, "must be a duration such as 250ms, 30s, 5m, 1h or 7d, within range");
      return fallbackMs;
    }
    return ms;
  }

  bool(name: string, fallback: boolean): boolean {
    const raw = this.#raw(name)?.toLowerCase();
    if (raw === undefined) return fallback;
    if (raw === "true" || raw === "1" || raw === "yes") return true;
    if (raw === "false" || raw === "0" || raw === "no") return false;
    this.#fail(name, "must be true or false");
    return fallback;
  }

  /** An absolute http(s) URL. */
  url(name: string, fallback: string): URL;
  url(name: string): URL | undefined;
  url(name: string, fallback?: string): URL | undefined {
    const raw = this.#raw(name) ?? fallback;
    if (raw === undefined) return undefined;
    try {
      const u = new URL(raw);
      if (u.protocol !== "http:" && u.protocol !== "https:") throw new TypeError("scheme");
      return u;
    } catch {
      this.#fail(name, "must be an absolute http or https URL");
      return undefined;
    }
  }

  oneOf<const T extends readonly string[]>(name: string, values: T, fallback: T[number]): T[number] {
    const raw = this.#raw(name);
    if (raw === undefined) return fallback;
    if (!values.includes(raw)) {
      this.#fail(name, `must be one of ${values.join(", ")}`);
      return fallback;
    }
    return raw;
  }

  /** Records a problem found by the caller's own parsing. */
  invalid(name: string, reason: string): void {
    this.#fail(name, reason);
  }

  done(): void {
    if (this.#problems.length > 0) throw new ConfigError(this.#problems);
  }
}

/** Freezes an object graph (plain objects and arrays), so config cannot change after start-up. */
export function deepFreeze<T>(value: T): Readonly<T> {
  // Typed arrays cannot be frozen; URLs keep their state in private fields.
  if (value === null || typeof value !== "object" || ArrayBuffer.isView(value) || Object.isFrozen(value)) return value;
  Object.freeze(value);
  if (!(value instanceof URL)) for (const v of Object.values(value)) deepFreeze(v);
  return value;
}
