/**
 * Every event the issuer may log, with its fields: closed enums, bounded integers, durations,
 * booleans. No field can hold a device id, a credential, a pseudonym, a blinded message, a
 * signature, an address or a header (docs/design.md: the issuer may see the credential and blinded
 * messages, and records neither). Truncated token key ids are logged: they are public, in the
 * directory every client fetches.
 */
import { defineEvents, field, httpRequestEvent, lifecycleEvents, type Logger } from "@oblivious/service-kit";
import { CREDENTIAL_FAILURES } from "./attestation.js";
import { OUTCOMES } from "./errors.js";
import { RELOAD_RESULTS } from "./key-file.js";

/** Route templates of the public listener (a closed set; never the URL). */
export const ROUTES = ["/.well-known/private-token-issuer-directory", "/token-request"] as const;
export type RouteName = (typeof ROUTES)[number];

const REJECTIONS = OUTCOMES.filter((o) => o !== "ok");

export const issuerEvents = defineEvents({
  ...lifecycleEvents,
  ...httpRequestEvent(ROUTES),
  "issuance.rejected": { level: "info", fields: { outcome: field.enum(...REJECTIONS), batch: field.bool() } },
  "credential.rejected": { level: "info", fields: { reason: field.enum(...CREDENTIAL_FAILURES) } },
  "keys.loaded": {
    level: "info",
    fields: { inline: field.bool(), keys: field.int(0, 1024), listed: field.int(0, 1024), current: field.int(0, 255) },
  },
  "keys.changed": { level: "info", fields: { listed: field.int(0, 1024), current: field.int(0, 255) } },
  "keys.reload": { level: "info", fields: { result: field.enum(...RELOAD_RESULTS) } },
  "jwks.reload": { level: "info", fields: { result: field.enum(...RELOAD_RESULTS) } },
  "quota.unavailable": { level: "error", fields: {} },
  "signer.restarted": { level: "error", fields: {} },
  "signer.overloaded": { level: "warn", fields: { pending: field.int(0, 100_000_000) } },
});

export type IssuerEvents = typeof issuerEvents;
export type IssuerLogger = Logger<IssuerEvents>;
