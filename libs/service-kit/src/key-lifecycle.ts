/**
 * The lifecycle of a service's keys, one vocabulary for the gateway's HPKE keys and the issuer's
 * token keys. Each key has three times; its state at time t:
 *
 *   pending    t < publishFrom                    not listed, not used
 *   published  publishFrom <= t < activeFrom      listed, not yet the key in use
 *   current    the key with the latest activeFrom <= t that is not retired (ties: the later one
 *              in the file, the newer key): listed, in use
 *   grace      activeFrom <= t, superseded by a newer current key, not retired
 *   retired    retireAt <= t                      not listed, refused like an unknown key
 *
 * A key without a publishFrom (the issuer's file has none) is published from the start. Keys may
 * fall in groups (the gateway's KEMs): then each group has its own current key, and a key is in
 * grace only when a newer key of its own group is current. What a state means beyond that is the
 * service's: the gateway lists current then published keys and accepts grace keys (RFC 9458 §6.4,
 * "a plan for replacing keys"); the issuer lists every key that is not retired, so origins keep
 * verifying tokens of a key in grace, and signs with the current key only.
 */
import { inspect } from "node:util";

export const KeyState = { Pending: "pending", Published: "published", Current: "current", Grace: "grace", Retired: "retired" } as const;
export type KeyState = (typeof KeyState)[keyof typeof KeyState];
export const KEY_STATES: readonly KeyState[] = Object.values(KeyState);

export interface KeyTimes {
  /** Listed from; undefined: listed from the start. */
  readonly publishFrom: number | undefined;
  /** In use from. */
  readonly activeFrom: number;
  /** Refused from; undefined: until a rotation sets it. */
  readonly retireAt: number | undefined;
}

function retired(t: KeyTimes, now: number): boolean {
  return t.retireAt !== undefined && now >= t.retireAt;
}

/** The state of each key at `now`, in the order given; with `groups` (one per key), one current key per group. */
export function keyStates(times: readonly KeyTimes[], now: number, groups?: readonly string[]): KeyState[] {
  const current = new Map<string | undefined, number>();
  times.forEach((t, i) => {
    const group = groups?.[i];
    const c = current.get(group);
    // Ties go to the later key in the file: the newer key.
    if (!retired(t, now) && t.activeFrom <= now && (c === undefined || t.activeFrom >= (times[c]?.activeFrom ?? Infinity))) current.set(group, i);
  });
  return times.map((t, i) => {
    if (retired(t, now)) return KeyState.Retired;
    if (t.publishFrom !== undefined && now < t.publishFrom) return KeyState.Pending;
    if (now < t.activeFrom) return KeyState.Published;
    return current.get(groups?.[i]) === i ? KeyState.Current : KeyState.Grace;
  });
}

/** The next instant after `now` at which some key changes state; Infinity if none. */
export function nextTransition(times: readonly KeyTimes[], now: number): number {
  let next = Infinity;
  for (const k of times) {
    for (const t of [k.publishFrom, k.activeFrom, k.retireAt]) if (t !== undefined && t > now && t < next) next = t;
  }
  return next;
}

/** The keys' states at one instant, and how long they hold. */
export interface KeyEvaluation<E> {
  readonly entries: readonly E[];
  /** The state of each entry, in the order of `entries`. */
  readonly states: readonly KeyState[];
  /** The current key (the last one in the file, when keys fall in groups). */
  readonly current: E | undefined;
  /** Every group's current key, in file order (one at most without groups). */
  readonly currents: readonly E[];
  readonly counts: Readonly<Record<KeyState, number>>;
  readonly evaluatedAt: number;
  /** When a state changes next (ms), or Infinity. */
  readonly validUntil: number;
}

/** The keys' states at `now`; `groupOf` puts them in groups, each with its own current key. */
export function evaluateKeys<E>(entries: readonly E[], timesOf: (entry: E) => KeyTimes, now: number, groupOf?: (entry: E) => string): KeyEvaluation<E> {
  const times = entries.map(timesOf);
  const states = keyStates(times, now, groupOf === undefined ? undefined : entries.map(groupOf));
  const counts: Record<KeyState, number> = { pending: 0, published: 0, current: 0, grace: 0, retired: 0 };
  const currents: E[] = [];
  entries.forEach((e, i) => {
    const state = states[i] ?? KeyState.Retired;
    counts[state] += 1;
    if (state === KeyState.Current) currents.push(e);
  });
  return { entries, states, current: currents.at(-1), currents, counts, evaluatedAt: now, validUntil: nextTransition(times, now) };
}

/** The entries in a given set of states, in file order. */
export function entriesIn<E>(evaluation: KeyEvaluation<E>, states: readonly KeyState[]): E[] {
  return evaluation.entries.filter((_, i) => states.includes(evaluation.states[i] ?? KeyState.Retired));
}

export interface TimedSnapshot {
  readonly evaluatedAt: number;
  readonly validUntil: number;
}

export interface TimedKeyStoreOptions<E, S extends TimedSnapshot> {
  readonly now: () => number;
  /** What the service derives from the keys at an instant (listing, lookup table, counts). */
  readonly snapshot: (entries: readonly E[], now: number) => S;
  /** Whether a new snapshot is worth reporting; every new snapshot when absent. */
  readonly changed?: (before: S, after: S) => boolean;
  readonly onChange?: (snapshot: S) => void;
}

/**
 * The keys in use. Every read re-evaluates the states when the clock has passed the next
 * transition (or gone back), so a key turns current or retires at its exact time with no timer;
 * between transitions a read is one clock call and one comparison, and what the service derives
 * from the keys is computed once per transition, not per request.
 */
export class TimedKeyStore<E, S extends TimedSnapshot> {
  #entries: readonly E[];
  #snapshot: S;
  readonly #options: TimedKeyStoreOptions<E, S>;

  constructor(entries: readonly E[], options: TimedKeyStoreOptions<E, S>) {
    this.#entries = entries;
    this.#options = options;
    this.#snapshot = options.snapshot(entries, options.now());
  }

  get entries(): readonly E[] {
    return this.#entries;
  }

  current(): S {
    const now = this.#options.now();
    const s = this.#snapshot;
    if (now < s.validUntil && now >= s.evaluatedAt) return s;
    return this.#evaluate(now);
  }

  /** Swaps in a reloaded key set. */
  replace(entries: readonly E[]): void {
    this.#entries = entries;
    this.#evaluate(this.#options.now());
  }

  /** Whole seconds until a key next changes state (at least 0). */
  secondsUntilChange(): number {
    const s = this.current();
    return s.validUntil === Infinity ? Number.MAX_SAFE_INTEGER : Math.max(0, Math.floor((s.validUntil - this.#options.now()) / 1000));
  }

  #evaluate(now: number): S {
    const before = this.#snapshot;
    const after = this.#options.snapshot(this.#entries, now);
    this.#snapshot = after;
    if (this.#options.changed === undefined || this.#options.changed(before, after)) this.#options.onChange?.(after);
    return after;
  }

  /** The snapshot last computed, without looking at the clock (for toString). */
  protected latest(): S {
    return this.#snapshot;
  }

  toString(): string {
    return `KeyStore { keys: ${this.#entries.length} }`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}
