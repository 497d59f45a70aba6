/**
 * ARC at an origin, from the environment (read with the gate's other settings, config.ts):
 *
 *   TOKEN_ARC_KEY_FILE      this origin's ARC private key (a mounted secret, decision 0031): the
 *                           128-byte SerializeServerPrivateKey, raw or as one line of base64url;
 *                           unset: no ARC challenge, type 2 only
 *   TOKEN_ARC_RATE_LIMIT    presentations per credential (the challenge's rate-limit), default 100
 *   TOKEN_ARC_PERIOD        the credential period, default 1d (the issuer's ISSUER_ARC_PERIOD)
 *   TOKEN_ARC_MAX_QUEUE     ARC verifications waiting at most before 503 (arc-queue.ts), default 16
 */
import { readFileSync } from "node:fs";
import { ARC_SERVER_PRIVATE_KEY_LENGTH, type ArcServerKeyPair } from "@oblivious/privacypass";
import { ConfigError, type EnvReader } from "@oblivious/service-kit";
import { DEFAULT_ARC_MAX_QUEUED, DEFAULT_ARC_PERIOD_MS, DEFAULT_ARC_PRESENTATION_LIMIT, arcKeyPairFromPrivateKey, createArcGate, type ArcGate } from "./arc-gate.js";
import type { SpentTokenStore } from "./spent-store.js";

export const ARC_KEY_FILE_VARIABLE = "TOKEN_ARC_KEY_FILE";

export interface ArcGateConfig {
  readonly keyFile: string;
  readonly presentationLimit: number;
  readonly periodMs: number;
  readonly maxQueued: number;
}

export function readArcGateConfig(env: EnvReader): ArcGateConfig | undefined {
  const keyFile = env.string(ARC_KEY_FILE_VARIABLE);
  const presentationLimit = env.int("TOKEN_ARC_RATE_LIMIT", DEFAULT_ARC_PRESENTATION_LIMIT, { min: 2, max: 1_000_000 });
  const periodMs = env.duration("TOKEN_ARC_PERIOD", DEFAULT_ARC_PERIOD_MS, { minMs: 60_000, maxMs: 366 * 86_400_000 });
  const maxQueued = env.int("TOKEN_ARC_MAX_QUEUE", DEFAULT_ARC_MAX_QUEUED, { min: 1, max: 100_000 });
  return keyFile === undefined || keyFile === "" ? undefined : Object.freeze({ keyFile, presentationLimit, periodMs, maxQueued });
}

/** Reads the mounted key: a ConfigError naming the variable (never the value) when it is unusable. */
export function readArcKeyFile(path: string): ArcServerKeyPair {
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(path));
  } catch {
    throw new ConfigError([{ variable: ARC_KEY_FILE_VARIABLE, reason: "cannot read the ARC key file" }]);
  }
  if (bytes.length !== ARC_SERVER_PRIVATE_KEY_LENGTH) {
    const text = Buffer.from(bytes).toString("latin1").trim();
    bytes = /^[A-Za-z0-9_-]+$/.test(text) ? new Uint8Array(Buffer.from(text, "base64url")) : new Uint8Array(0);
  }
  try {
    return arcKeyPairFromPrivateKey(bytes);
  } catch {
    throw new ConfigError([{ variable: ARC_KEY_FILE_VARIABLE, reason: `must hold a ${ARC_SERVER_PRIVATE_KEY_LENGTH}-byte ARC private key, raw or in base64url` }]);
  }
}

/**
 * The gate's `arc` option from the configuration (spread into createTokenGate's options): none
 * without TOKEN_ARC_KEY_FILE. Reads the key file now (start-up).
 */
export function arcGateOption(
  config: { readonly arc: ArcGateConfig | undefined; readonly issuerName: string; readonly originInfo: readonly string[]; readonly challengeMaxAgeS: number },
  store: SpentTokenStore,
): { readonly arc?: ArcGate } {
  const arc = config.arc;
  if (arc === undefined) return {};
  return {
    arc: createArcGate({
      issuerName: config.issuerName,
      originInfo: config.originInfo,
      key: readArcKeyFile(arc.keyFile),
      store,
      presentationLimit: arc.presentationLimit,
      periodMs: arc.periodMs,
      maxAgeSeconds: config.challengeMaxAgeS,
      maxQueuedVerifications: arc.maxQueued,
    }),
  };
}
