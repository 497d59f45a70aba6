/**
 * The service's configuration, read once from the environment into a frozen object. A malformed
 * value stops start-up with a ConfigError naming every bad variable (never a value). Secrets (the
 * Meilisearch keys, a Redis URL that may hold a password) are held in service-kit's `Secret`.
 */
import { readFileSync } from "node:fs";
import { deepFreeze, EnvReader, Secret, readListenerSettings, readRedisConfig, readShedSettings, type RedisConfig } from "@oblivious/service-kit";
import { readTokenGateConfig, type TokenGateConfig } from "@oblivious/token-gate";
import { LOCALE } from "./catalogue.js";
import { ENGINE_NAMES, type EngineName } from "./engine.js";
import { SERVICES, originHost } from "@oblivious/service-kit";

/** The origin clients name in the inner request; the gateway routes it here. */
export const STICKER_SEARCH_ORIGIN = SERVICES["sticker-search"].origin ?? "";
/** `origin_info` of the token challenge (TOKEN_ORIGIN_INFO's default). */
export const STICKER_SEARCH_ORIGIN_NAME = originHost("sticker-search");

export interface MeiliConfig {
  readonly url: string;
  /** Set-up, import and creating the search key; absent in least-privilege mode (a search key and no import). */
  readonly adminKey: Secret<string> | undefined;
  readonly searchKey: Secret<string> | undefined;
  readonly index: string;
  /** MEILI_IMPORT: push the catalogue into the index at start-up (skipped when unchanged). */
  readonly importCatalogue: boolean;
  readonly timeoutMs: number;
}

export interface StickerSearchConfig {
  readonly host: string;
  readonly port: number;
  readonly adminHost: string;
  readonly adminPort: number;
  readonly engine: EngineName;
  /** A catalogue JSON file; built from emojibase-data at start-up when absent. */
  readonly catalogueFile: string | undefined;
  /** The locales served; default: the emojibase default set, or every locale of the file. */
  readonly locales: readonly string[] | undefined;
  readonly meili: MeiliConfig | undefined;
  readonly redis: RedisConfig | undefined;
  readonly tokenGate: TokenGateConfig;
  readonly drainTimeoutMs: number;
  /** Not ready but serving, on stop, before the drain (service-kit's lifecycle.ts). */
  readonly shutdownGraceMs: number;
  /** Searches handled at once; more are shed with 503 (0: no limit). */
  readonly maxInFlight: number;
  /** Latency above which, for a whole window, the in-flight limit shrinks (0: the limit stays fixed). */
  readonly shedTargetMs: number;
}

export const STICKER_SEARCH_DEFAULTS = {
  meiliIndex: "stickers",
  meiliTimeoutMs: 2000,
  redisPrefix: "sticker-search:",
  drainTimeoutMs: 10_000,
  maxInFlight: 64,
} as const;

const INDEX_NAME = /^[A-Za-z0-9_-]{1,200}$/;

function secretFromFile(env: EnvReader, name: string): string | undefined {
  const path = env.string(name);
  if (path === undefined) return undefined;
  try {
    const value = readFileSync(path, "utf8").trim();
    if (value !== "") return value;
    env.invalid(name, "names an empty file");
  } catch {
    env.invalid(name, "names a file that cannot be read");
  }
  return undefined;
}

export function loadStickerSearchConfig(source: Readonly<Record<string, string | undefined>>): StickerSearchConfig {
  const env = new EnvReader(source);
  const d = STICKER_SEARCH_DEFAULTS;
  const meiliUrl = env.url("MEILI_URL");
  const engine = env.oneOf("STICKER_SEARCH_ENGINE", ENGINE_NAMES, env.has("MEILI_URL") ? "meilisearch" : "embedded");

  let meili: MeiliConfig | undefined;
  if (engine === "meilisearch") {
    if (!env.has("MEILI_URL")) env.invalid("MEILI_URL", "is required for the meilisearch engine");
    if (env.has("MEILI_API_KEY") && env.has("MEILI_API_KEY_FILE")) env.invalid("MEILI_API_KEY_FILE", "set MEILI_API_KEY or MEILI_API_KEY_FILE, not both");
    const adminKey = env.string("MEILI_API_KEY") ?? secretFromFile(env, "MEILI_API_KEY_FILE");
    if (env.has("MEILI_SEARCH_KEY") && env.has("MEILI_SEARCH_KEY_FILE")) env.invalid("MEILI_SEARCH_KEY_FILE", "set MEILI_SEARCH_KEY or MEILI_SEARCH_KEY_FILE, not both");
    const searchKey = env.string("MEILI_SEARCH_KEY") ?? secretFromFile(env, "MEILI_SEARCH_KEY_FILE");
    const importCatalogue = env.bool("MEILI_IMPORT", true);
    // Least privilege: with a search key and the index imported elsewhere (`catalogue import`), the
    // service that reads users' queries holds no key that can change the index.
    const leastPrivilege = searchKey !== undefined && !importCatalogue;
    if (adminKey === undefined && !env.has("MEILI_API_KEY_FILE") && !leastPrivilege) {
      env.invalid("MEILI_API_KEY", "is required for the meilisearch engine (or MEILI_API_KEY_FILE), unless MEILI_SEARCH_KEY is set and MEILI_IMPORT=false");
    }
    const index = env.string("MEILI_INDEX", d.meiliIndex);
    if (!INDEX_NAME.test(index)) env.invalid("MEILI_INDEX", "must be letters, digits, - and _");
    meili = {
      url: meiliUrl?.href.replace(/\/$/, "") ?? "",
      adminKey: adminKey === undefined ? undefined : new Secret(adminKey),
      searchKey: searchKey === undefined ? undefined : new Secret(searchKey),
      index,
      importCatalogue,
      timeoutMs: env.duration("MEILI_TIMEOUT", d.meiliTimeoutMs, { minMs: 100, maxMs: 60_000 }),
    };
  }

  const localesRaw = env.string("STICKER_LOCALES");
  let locales: string[] | undefined;
  if (localesRaw !== undefined) {
    locales = localesRaw.split(",").map((s) => s.trim().toLowerCase()).filter((s) => s !== "");
    if (locales.length === 0 || locales.some((l) => !LOCALE.test(l)) || new Set(locales).size !== locales.length) {
      env.invalid("STICKER_LOCALES", "must be distinct comma-separated locale tags such as en,de,ja");
    }
  }

  const redis = readRedisConfig(env, d.redisPrefix);

  const config: StickerSearchConfig = {
    ...readListenerSettings(env, "sticker-search", d),
    engine,
    catalogueFile: env.string("STICKER_CATALOGUE_FILE"),
    locales,
    meili,
    redis,
    tokenGate: readTokenGateConfig(env, { originName: STICKER_SEARCH_ORIGIN_NAME }),
    ...readShedSettings(env, "sticker-search", d),
  };
  env.done();
  return deepFreeze(config);
}
