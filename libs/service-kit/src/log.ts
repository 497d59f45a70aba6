/**
 * Logging by declared events only. A service declares each event it may log, with the fields it
 * may carry and their types: closed enums, bounded integers, durations and booleans. There is no
 * string field that takes free text, so a query, a token, a header or an address cannot be
 * written to a log line: at compile time such a field does not type-check, and at run time
 * (a cast, JavaScript) an undeclared field or an out-of-set value is dropped and counted.
 *
 * Lines are JSON, one per event: `{"level","time","service","event",...fields}`, written to a
 * pino destination (buffered stdout) or a stream given by the caller.
 */
import pino from "pino";
import type { DestinationStream } from "pino";

export const LogLevel = { Debug: "debug", Info: "info", Warn: "warn", Error: "error" } as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

export interface EnumField<V extends string = string> {
  readonly kind: "enum";
  readonly values: readonly V[];
}
export interface IntField {
  readonly kind: "int";
  readonly min: number;
  readonly max: number;
}
export interface DurationField {
  readonly kind: "duration";
}
export interface BoolField {
  readonly kind: "bool";
}
export type FieldSpec = EnumField | IntField | DurationField | BoolField;

/** Field constructors for event declarations. */
export const field = {
  enum: <const V extends readonly string[]>(...values: V): EnumField<V[number]> => ({ kind: "enum", values }),
  int: (min: number, max: number): IntField => ({ kind: "int", min, max }),
  /** Milliseconds, non-negative, kept to microsecond precision. */
  duration: (): DurationField => ({ kind: "duration" }),
  bool: (): BoolField => ({ kind: "bool" }),
} as const;

export interface EventSpec {
  readonly level: LogLevel;
  readonly fields: Readonly<Record<string, FieldSpec>>;
}
export type EventCatalog = Readonly<Record<string, EventSpec>>;

type ValueOf<S> = S extends EnumField<infer V> ? V : S extends BoolField ? boolean : number;
export type EventFields<E extends EventSpec> = { readonly [K in keyof E["fields"]]?: ValueOf<E["fields"][K]> };

/** Declares a catalogue of events; the identity function, there for type inference. */
export function defineEvents<const C extends EventCatalog>(catalog: C): C {
  return catalog;
}

/** Why a field or an event was dropped. */
export const DropReason = {
  UndeclaredEvent: "undeclared_event",
  UndeclaredField: "undeclared_field",
  InvalidValue: "invalid_value",
  /** A whole line: stdout's backlog was full (a reader slower than the lines, for long). */
  Backlog: "backlog",
} as const;
export type DropReason = (typeof DropReason)[keyof typeof DropReason];

export interface Logger<C extends EventCatalog> {
  event<N extends keyof C & string>(name: N, fields?: EventFields<C[N]>): void;
  /** Writes out what is buffered; `runService` calls it last when a service stops. */
  flush(): Promise<void>;
  /** Fields and events dropped so far, by reason: for tests and the metrics endpoint. */
  readonly dropped: Readonly<Record<DropReason, number>>;
}

export interface LoggerOptions<C extends EventCatalog> {
  readonly service: string;
  readonly events: C;
  /** Where lines go; stdout by default. Tests pass a stream that captures them. */
  readonly destination?: DestinationStream;
  readonly level?: LogLevel;
  /** Called for each drop, so a service can count it in its metrics. */
  readonly onDrop?: (reason: DropReason) => void;
}

function valid(spec: FieldSpec, value: unknown): value is string | number | boolean {
  switch (spec.kind) {
    case "enum":
      return typeof value === "string" && spec.values.includes(value);
    case "int":
      return Number.isSafeInteger(value) && (value as number) >= spec.min && (value as number) <= spec.max;
    case "duration":
      return typeof value === "number" && Number.isFinite(value) && value >= 0;
    case "bool":
      return typeof value === "boolean";
  }
}

/** What the logger needs of its stdout stream: a pino destination in sonic-boom's buffer mode. */
interface LineSink {
  write(line: Buffer): boolean;
  flush(cb: (err?: Error) => void): void;
  on(event: "drop", listener: () => void): unknown;
}

/**
 * The most stdout may hold unwritten. A service logs a line per request, so when whatever reads
 * its stdout falls behind (a stalled log collector, a terminal that is not read) the backlog would
 * otherwise grow with every request an attacker sends, without bound. Past this, lines are dropped
 * and counted (`DropReason.Backlog`), and memory stays put; about 5,000 lines of a typical event.
 */
export const LOG_BACKLOG_BYTES = 1024 * 1024;

/**
 * stdout, buffered: each asynchronous write is a round trip through the thread pool, so lines
 * are batched up to 16 KiB and written at least every 250 ms, so a quiet service still shows its
 * events promptly; pino's destination flushes what is left when the process exits. Lines go in as
 * Buffers: in text mode sonic-boom measures the UTF-8 length of its whole pending string on every
 * write. Why these sizes: docs/decisions/0005-buffered-log-writes.md.
 */
function bufferedStdout(): LineSink {
  const stream = pino.destination({ fd: 1, sync: false, contentMode: "buffer", minLength: 16384, maxWrite: 65536, maxLength: LOG_BACKLOG_BYTES, periodicFlush: 250 });
  // Typed for text mode; in buffer mode sonic-boom's `write` takes Buffers.
  return stream as unknown as LineSink;
}

/** pino's numeric levels: a line is written when its event's level is at least the logger's. */
const LEVEL_VALUES: Readonly<Record<LogLevel, number>> = { debug: 20, info: 30, warn: 40, error: 50 };

/** Names every line starts with; an event may not declare a field that would repeat one. */
const RESERVED_FIELDS: ReadonlySet<string> = new Set(["level", "time", "service", "event"]);

/** A declared field, ready to write: its `,"name":` prefix and, for an enum, each value's JSON. */
interface CompiledField {
  readonly spec: FieldSpec;
  readonly prefix: string;
  readonly enumJson: ReadonlyMap<string, string> | undefined;
}

interface CompiledEvent {
  readonly enabled: boolean;
  /** `{"level":"info","time":"` */
  readonly head: string;
  /** `","service":"...","event":"..."` */
  readonly tail: string;
  readonly fields: ReadonlyMap<string, CompiledField>;
}

function compileEvent(service: string, name: string, spec: EventSpec, threshold: number): CompiledEvent {
  const fields = new Map<string, CompiledField>();
  for (const [key, fieldSpec] of Object.entries(spec.fields)) {
    if (RESERVED_FIELDS.has(key)) throw new TypeError(`event ${name}: the field name ${key} is reserved`);
    const enumJson = fieldSpec.kind === "enum" ? new Map(fieldSpec.values.map((v) => [v, JSON.stringify(v)])) : undefined;
    fields.set(key, { spec: fieldSpec, prefix: `,${JSON.stringify(key)}:`, enumJson });
  }
  return {
    enabled: LEVEL_VALUES[spec.level] >= threshold,
    head: `{"level":${JSON.stringify(spec.level)},"time":"`,
    tail: `","service":${JSON.stringify(service)},"event":${JSON.stringify(name)}`,
    fields,
  };
}

/**
 * Lines are the JSON pino wrote before, `{"level","time","service","event",...fields}`, but put
 * together here: the fields are declared, so each key's JSON and each enum value's JSON is known
 * in advance, and only numbers and the time are formatted per line, instead of pino's generic key
 * loop, escaping and an ISO date per line (docs/decisions/0004-precompiled-log-lines.md). pino
 * still provides the buffered stdout stream and its flush on exit.
 */
export function createLogger<const C extends EventCatalog>(options: LoggerOptions<C>): Logger<C> {
  const custom = options.destination;
  const stdout = custom === undefined ? bufferedStdout() : undefined;
  // A caller's stream gets each line as it is logged (tests read them at once).
  const writeLine =
    custom !== undefined ? (line: string): void => void custom.write(line) : (line: string): void => void stdout?.write(Buffer.from(line));
  const threshold = LEVEL_VALUES[options.level ?? "info"];
  const events = new Map<string, CompiledEvent>();
  for (const [name, spec] of Object.entries(options.events)) events.set(name, compileEvent(options.service, name, spec, threshold));
  const dropped: Record<DropReason, number> = { undeclared_event: 0, undeclared_field: 0, invalid_value: 0, backlog: 0 };
  const drop = (reason: DropReason): void => {
    dropped[reason] += 1;
    options.onDrop?.(reason);
  };
  stdout?.on("drop", () => drop(DropReason.Backlog));
  // The ISO time of the current millisecond, made once for every line within it.
  let timeMs = Number.NaN;
  let timeIso = "";

  return {
    dropped,
    flush: () =>
      new Promise<void>((resolve) => {
        if (stdout === undefined) return resolve();
        const timer = setTimeout(resolve, 500);
        stdout.flush(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
    event(name, fields) {
      const compiled = events.get(name);
      if (compiled === undefined) {
        drop(DropReason.UndeclaredEvent);
        return;
      }
      let body = "";
      if (fields !== undefined) {
        const given: Readonly<Record<string, unknown>> = fields;
        for (const key in given) {
          if (!Object.hasOwn(given, key)) continue;
          const value = given[key];
          const f = compiled.fields.get(key);
          if (f === undefined) drop(DropReason.UndeclaredField);
          else if (value === undefined) continue;
          else if (!valid(f.spec, value)) drop(DropReason.InvalidValue);
          else if (f.enumJson !== undefined) body += f.prefix + (f.enumJson.get(value as string) ?? JSON.stringify(value));
          else if (f.spec.kind === "duration") body += f.prefix + JSON.stringify(Math.round((value as number) * 1000) / 1000);
          else body += f.prefix + String(value);
        }
      }
      if (!compiled.enabled) return;
      const now = Date.now();
      if (now !== timeMs) {
        timeMs = now;
        timeIso = new Date(now).toISOString();
      }
      writeLine(`${compiled.head}${timeIso}${compiled.tail}${body}}\n`);
    },
  };
}

/** Events every service logs; each service spreads these into its own catalogue. */
export const lifecycleEvents = defineEvents({
  "service.listening": { level: "info", fields: { port: field.int(0, 65535), admin: field.bool() } },
  "service.not_ready": { level: "info", fields: { graceMs: field.duration() } },
  "service.draining": { level: "info", fields: { inFlight: field.int(0, 1_000_000) } },
  "service.stopped": { level: "info", fields: { forced: field.bool(), durationMs: field.duration() } },
  "config.invalid": { level: "error", fields: {} },
  "service.start_failed": { level: "error", fields: { reason: field.enum("address_in_use", "address_not_available", "permission", "invalid_data", "other") } },
  "error.unexpected": { level: "error", fields: { where: field.enum("request", "background", "shutdown") } },
});
