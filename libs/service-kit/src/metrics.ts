/**
 * The metrics every service sets up the same way, on an injected registry. Label values come from
 * closed sets given here, and every series exists from the start (at 0), so the output's shape
 * does not depend on what was sent and a rate() over a rare value is not empty.
 */
import { Counter, Gauge, type Registry } from "prom-client";
import { RELOAD_RESULTS, type ReloadResult } from "./file-watch.js";
import { KEY_STATES, type KeyState } from "./key-lifecycle.js";
import { DropReason } from "./log.js";

/** Counts by one label whose values are a closed set; `inc` of a value outside it does nothing. */
export function closedCounter<V extends string>(
  registry: Registry,
  spec: { readonly name: string; readonly help: string; readonly label: string; readonly values: readonly V[] },
): (value: V, by?: number) => void {
  const counter = new Counter({ name: spec.name, help: spec.help, labelNames: [spec.label], registers: [registry] });
  // Children looked up once: the hot path does no label hashing.
  const children = new Map(spec.values.map((v) => [v as string, counter.labels(v)]));
  for (const child of children.values()) child.inc(0);
  return (value, by = 1) => children.get(value)?.inc(by);
}

/** `<prefix>_log_dropped_total{reason}`: log events or fields the logger refused (log.ts). */
export function logDroppedCounter(registry: Registry, prefix: string): (reason: DropReason) => void {
  return closedCounter(registry, {
    name: `${prefix}_log_dropped_total`,
    help: "Log events or fields dropped because they were undeclared or out of range.",
    label: "reason",
    values: Object.values(DropReason),
  });
}

/** `<name>{result}`: checks of a reloaded file (file-watch.ts) by result. */
export function reloadCounter(registry: Registry, name: string, what: string): (result: ReloadResult) => void {
  return closedCounter(registry, { name, help: `${what} checks by result.`, label: "result", values: RELOAD_RESULTS });
}

/** `<name>{state}`: keys in the key file by state (key-lifecycle.ts), read at scrape time. */
export function keyStateGauge(registry: Registry, name: string, counts: () => Readonly<Record<KeyState, number>>): void {
  new Gauge({
    name,
    help: "Keys in the key file by state (pending, published, current, grace, retired).",
    labelNames: ["state"] as const,
    registers: [registry],
    collect() {
      const now = counts();
      for (const state of KEY_STATES) this.set({ state }, now[state]);
    },
  });
}

/** A gauge read at scrape time: 1/0 for a boolean (a dependency that can answer), else the number. */
export function scrapeGauge(registry: Registry, spec: { readonly name: string; readonly help: string }, read: () => number | boolean): void {
  new Gauge({
    name: spec.name,
    help: spec.help,
    registers: [registry],
    collect() {
      const v = read();
      this.set(typeof v === "boolean" ? (v ? 1 : 0) : v);
    },
  });
}
