/**
 * The gate's settings from the environment, read by the service that mounts it, with the
 * service's own EnvReader so one start-up names every bad variable at once.
 */
import { ISSUER_DIRECTORY_PATH } from "@oblivious/privacypass";
import { localUrl, originHost, type EnvReader } from "@oblivious/service-kit";
import { readArcGateConfig, type ArcGateConfig } from "./arc-config.js";

export interface TokenGateConfig {
  /** ISSUER_DIRECTORY_URL: the issuer directory (RFC 9578 §4). */
  readonly directoryUrl: URL;
  /** TOKEN_ISSUER_NAME: `issuer_name` in the challenge. */
  readonly issuerName: string;
  /** TOKEN_ORIGIN_INFO: `origin_info` in the challenge, comma-separated origin names. */
  readonly originInfo: readonly string[];
  /** TOKEN_SPEND_TTL: how long a spent hash is kept; at least the issuer's key lifetime. */
  readonly spendTtlMs: number;
  /** TOKEN_CHALLENGE_MAX_AGE: `max-age` of the challenge, in seconds. */
  readonly challengeMaxAgeS: number;
  /** TOKEN_DIRECTORY_REFRESH: longest time between directory refreshes. */
  readonly directoryRefreshMs: number;
  /** TOKEN_DIRECTORY_MAX_STALE: how long the last good directory serves while refreshes fail. */
  readonly directoryMaxStaleMs: number;
  /** TOKEN_SPENT_MAX_ENTRIES: bound of the in-memory spent store (without Redis). */
  readonly spentMaxEntries: number;
  /** TOKEN_ARC_*: ARC beside type 2 (./arc-config.ts), or undefined without TOKEN_ARC_KEY_FILE. */
  readonly arc: ArcGateConfig | undefined;
}

/** The issuer's directory at its default local port (service-kit's registry). */
export const DEFAULT_DIRECTORY_URL = localUrl("issuer", ISSUER_DIRECTORY_PATH);

/** An origin name as `origin_info` carries it: a host, optionally with a port; no comma. */
const ORIGIN_NAME = /^[A-Za-z0-9.-]+(?::\d{1,5})?$/;

export function readTokenGateConfig(env: EnvReader, defaults: { readonly originName: string }): TokenGateConfig {
  const directoryUrl = env.url("ISSUER_DIRECTORY_URL", DEFAULT_DIRECTORY_URL) ?? new URL(DEFAULT_DIRECTORY_URL);
  const issuerName = env.string("TOKEN_ISSUER_NAME", originHost("issuer"));
  if (!ORIGIN_NAME.test(issuerName)) env.invalid("TOKEN_ISSUER_NAME", "must be a host name");
  const originInfo = env
    .string("TOKEN_ORIGIN_INFO", defaults.originName)
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (originInfo.some((o) => !ORIGIN_NAME.test(o))) env.invalid("TOKEN_ORIGIN_INFO", "must be comma-separated host names");
  return Object.freeze({
    directoryUrl,
    issuerName,
    originInfo: Object.freeze(originInfo),
    spendTtlMs: env.duration("TOKEN_SPEND_TTL", 8 * 86_400_000, { minMs: 60_000 }),
    challengeMaxAgeS: env.int("TOKEN_CHALLENGE_MAX_AGE", 3600, { min: 0, max: 31 * 86_400 }),
    directoryRefreshMs: env.duration("TOKEN_DIRECTORY_REFRESH", 300_000, { minMs: 1000 }),
    directoryMaxStaleMs: env.duration("TOKEN_DIRECTORY_MAX_STALE", 86_400_000, { minMs: 60_000 }),
    spentMaxEntries: env.int("TOKEN_SPENT_MAX_ENTRIES", 1_000_000, { min: 1, max: 100_000_000 }),
    arc: readArcGateConfig(env),
  });
}
