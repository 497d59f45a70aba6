/**
 * The privacy contract of docs/design.md as data: for each component, which canary it may receive.
 * Nothing may be logged, exported as a metric or stored in Redis, anywhere: the only permitted
 * cells of the who-saw-what matrix are "received" cells listed here.
 *
 * | component      | may receive                                                          |
 * |----------------|----------------------------------------------------------------------|
 * | relay          | the client's address and headers (it must not pass them on)          |
 * | gateway        | the decrypted request: query, token, telemetry fields                |
 * | issuer         | the device credential (device and account), the client's address and headers, when the device asks it directly; the ARC credential it issues (never a presentation: `token`) |
 * | sticker-search | the query and the token                                              |
 * | telemetry      | the token and the event fields sent to it (dropped unless declared)  |
 * | redis          | nothing raw                                                          |
 */
export const COMPONENTS = ["relay", "gateway", "issuer", "sticker-search", "telemetry", "redis"] as const;
export type Component = (typeof COMPONENTS)[number];

/**
 * `arc_credential`: the ARC credential exchange (the request's commitments, the response's U and
 * U'), which only the client and the issuer may know; a presentation (a `token`) re-randomizes U,
 * so an origin that saw one of these values could link presentations to an issuance.
 */
export const CANARIES = ["client_ip", "client_header", "device_id", "account_id", "query", "token", "telemetry_text", "arc_credential"] as const;
export type CanaryKind = (typeof CANARIES)[number];

/** Where a canary was found: R received at the hop, L a log line, M /metrics, S stored in Redis. */
export const CHANNELS = ["received", "logged", "metrics", "stored"] as const;
export type Channel = (typeof CHANNELS)[number];
export const CHANNEL_LETTER: Readonly<Record<Channel, string>> = { received: "R", logged: "L", metrics: "M", stored: "S" };

const MAY_RECEIVE: Readonly<Record<Component, readonly CanaryKind[]>> = {
  relay: ["client_ip", "client_header"],
  gateway: ["query", "token", "telemetry_text"],
  issuer: ["device_id", "account_id", "client_ip", "client_header", "arc_credential"],
  "sticker-search": ["query", "token"],
  telemetry: ["token", "telemetry_text"],
  redis: [],
};

export function allowed(component: Component, canary: CanaryKind, channel: Channel): boolean {
  return channel === "received" && MAY_RECEIVE[component].includes(canary);
}
