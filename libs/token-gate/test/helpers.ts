/** Test helpers: the token gate mounted on express as a backend would mount it, its log lines captured. */
import express from "express";
import { Registry } from "prom-client";
import { LineCapture, TEST_ISSUER_NAME, tokenChallenge } from "@oblivious/test-kit";
import { createLogger, defineEvents, finalErrorHandler, lifecycleEvents, type Logger } from "@oblivious/service-kit";
import { createTokenGate, tokenGateEvents, type SpentTokenStore, type TokenGate, type TokenKeySource } from "../src/index.js";
import type { TokenGateOptions } from "../src/gate.js";

export const ISSUER_NAME = TEST_ISSUER_NAME;
export const ORIGIN = "sticker-search.internal";

/** The catalogue a service would build: its own events plus the gate's. */
export const serviceEvents = defineEvents({ ...lifecycleEvents, ...tokenGateEvents });
export type ServiceLogger = Logger<typeof serviceEvents>;

export function captureLogger(): { log: ServiceLogger; out: LineCapture } {
  const out = new LineCapture();
  return { out, log: createLogger({ service: "token-gate-test", events: serviceEvents, destination: out, level: "debug" }) };
}

/** The challenge this gate sends (for ORIGIN from ISSUER_NAME), or one that differs where asked. */
export function originChallenge(options: { issuerName?: string; originInfo?: readonly string[]; tokenType?: number } = {}): Uint8Array {
  return tokenChallenge({ originInfo: [ORIGIN], ...options });
}

export interface TestApp {
  readonly app: express.Express;
  readonly gate: TokenGate;
  readonly registry: Registry;
  readonly out: LineCapture;
  /** What each handler call saw: its Authorization header and res.locals.privacyPass. */
  readonly seen: { authorization: unknown; rawHeaders: string[]; locals: unknown }[];
}

/** An express app as a backend would mount the gate: `POST /v1/search` behind it. */
export function gatedApp(options: { keys: TokenKeySource; store: SpentTokenStore } & Partial<TokenGateOptions>): TestApp {
  const registry = new Registry();
  const { log, out } = captureLogger();
  const gate = createTokenGate({ issuerName: ISSUER_NAME, originInfo: [ORIGIN], spendTtlMs: 3_600_000, registry, log, ...options });
  const seen: TestApp["seen"] = [];
  const app = express();
  app.post("/v1/search", gate.middleware, (req, res) => {
    seen.push({ authorization: req.headers.authorization, rawHeaders: [...req.rawHeaders], locals: res.locals["privacyPass"] });
    res.json({ results: [] });
  });
  app.use(finalErrorHandler(log));
  return { app, gate, registry, out, seen };
}
