/**
 * The service's metrics, on an injected registry. Label values come from closed sets declared
 * here; nothing from a request (query, locale, pack, sticker id) is ever a label.
 */
import { DropReason } from "@oblivious/service-kit";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { ENGINE_NAMES, UNAVAILABLE_REASONS, type EngineName, type UnavailableReason } from "./engine.js";
import { REJECT_REASONS } from "./events.js";

export const SEARCH_OUTCOMES = ["ok", "unavailable", "aborted", ...REJECT_REASONS] as const;
export type SearchOutcome = (typeof SEARCH_OUTCOMES)[number];

export interface StickerSearchMetrics {
  request(outcome: SearchOutcome): void;
  search(engine: EngineName, seconds: number, total: number): void;
  unavailable(engine: EngineName, reason: UnavailableReason): void;
  logDropped(reason: DropReason): void;
}

export function createStickerSearchMetrics(
  registry: Registry,
  state: { readonly engine: EngineName; readonly ready: () => boolean; readonly stickers: () => number },
): StickerSearchMetrics {
  const registers = [registry];
  const requests = new Counter({ name: "sticker_search_requests_total", help: "POST /v1/search requests that passed the token gate, by outcome.", labelNames: ["outcome"] as const, registers });
  const duration = new Histogram({
    name: "sticker_search_engine_duration_seconds",
    help: "Time of one engine search, by engine.",
    labelNames: ["engine"] as const,
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  });
  const hits = new Histogram({ name: "sticker_search_total_hits", help: "Matching stickers per search (capped at 1000).", labelNames: ["engine"] as const, buckets: [0, 1, 5, 10, 50, 100, 500, 1000], registers });
  const unavailable = new Counter({ name: "sticker_search_engine_unavailable_total", help: "Searches refused with 503 because the engine could not answer, by reason.", labelNames: ["engine", "reason"] as const, registers });
  const dropped = new Counter({ name: "sticker_search_log_dropped_total", help: "Log events or fields dropped because they were undeclared or out of range, and lines dropped because stdout's backlog was full.", labelNames: ["reason"] as const, registers });
  new Gauge({
    name: "sticker_search_engine_ready",
    help: "1 when the search engine can answer (index loaded, Meilisearch reachable).",
    labelNames: ["engine"] as const,
    registers,
    collect() {
      this.set({ engine: state.engine }, state.ready() ? 1 : 0);
    },
  });
  new Gauge({
    name: "sticker_search_catalogue_stickers",
    help: "Stickers in the loaded catalogue.",
    registers,
    collect() {
      this.set(state.stickers());
    },
  });
  for (const outcome of SEARCH_OUTCOMES) requests.inc({ outcome }, 0);
  for (const engine of ENGINE_NAMES) for (const reason of UNAVAILABLE_REASONS) unavailable.inc({ engine, reason }, 0);
  for (const reason of Object.values(DropReason)) dropped.inc({ reason }, 0);
  return {
    request: (outcome) => requests.inc({ outcome }),
    search: (engine, seconds, total) => {
      duration.observe({ engine }, seconds);
      hits.observe({ engine }, total);
    },
    unavailable: (engine, reason) => unavailable.inc({ engine, reason }),
    logDropped: (reason) => dropped.inc({ reason }),
  };
}
