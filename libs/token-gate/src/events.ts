/**
 * Every event the token gate may log, with its fields: closed enums, bounded integers, durations
 * and booleans. No field can hold a token, a nonce, a spent-token hash, an Authorization header
 * or key bytes (docs/design.md: an origin "keeps only a hash of each spent token nonce"; it logs none).
 * A service spreads `tokenGateEvents` into its own catalogue and passes its logger in.
 */
import { defineEvents, field, type Logger } from "@oblivious/service-kit";
import { DIRECTORY_FAILURES, GATE_OUTCOMES } from "./metrics.js";

export const tokenGateEvents = defineEvents({
  /** One per checked request; debug, since the service's `http.request` line has the status. */
  "token_gate.checked": { level: "debug", fields: { outcome: field.enum(...GATE_OUTCOMES), durationMs: field.duration() } },
  /** Once when the spent-token store starts failing; requests are refused (503) meanwhile. */
  "token_gate.store_unavailable": { level: "error", fields: {} },
  "token_gate.store_recovered": { level: "info", fields: { downMs: field.duration() } },
  /** Once when no live key is left; requests are refused (503) meanwhile. */
  "token_gate.keys_unavailable": { level: "error", fields: {} },
  "token_gate.keys_recovered": { level: "info", fields: { keys: field.int(0, 1024) } },
  "token_gate.directory_refreshed": {
    level: "info",
    fields: {
      /** Keys usable now, and keys listed with a later `not-before`. */
      live: field.int(0, 1024),
      pending: field.int(0, 1024),
      changed: field.bool(),
      nextRefreshS: field.int(0, 31 * 86_400),
    },
  },
  "token_gate.directory_fetch_failed": {
    level: "warn",
    fields: {
      reason: field.enum(...DIRECTORY_FAILURES),
      /** True when the last good directory is still in use. */
      stale: field.bool(),
    },
  },
  /** The last good directory is older than the allowed staleness: its keys are dropped. */
  "token_gate.directory_expired": { level: "error", fields: {} },
});

export type TokenGateEvents = typeof tokenGateEvents;
export type TokenGateLogger = Logger<TokenGateEvents>;
