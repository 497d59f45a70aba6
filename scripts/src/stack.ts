/**
 * The local stack: which services run, on which ports, with which environment. `npm start`, the
 * end-to-end tests and the benchmarks all start the stack from this one description, so they
 * cannot drift apart. Every port and URL can be overridden with the services' own variables.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEFAULT_GENERATED_KEMS, addMissingKems, gatewayKem, generateKeyFile } from "@oblivious/gateway";
import { prepareDevIssuer } from "@oblivious/issuer/dev";
import { ISSUER_DIRECTORY_PATH } from "@oblivious/privacypass";
import { SERVICES, type ServiceName } from "@oblivious/service-kit";
import { STATELESS_SERVICES, inheritedEnv, serviceRedisEnv, type StackRedis } from "./stack-redis.js";

/** The inner origins the gateway routes, as clients name them (service-kit's registry). */
export const STACK_ORIGINS = {
  stickerSearch: SERVICES["sticker-search"].origin ?? "",
  telemetry: SERVICES.telemetry.origin ?? "",
  issuer: SERVICES.issuer.origin ?? "",
} as const;

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface ServiceSpec {
  readonly name: string;
  readonly entry: string;
  readonly env: Readonly<Record<string, string>>;
  /** The public URL a person would use, and the admin URL for readiness. */
  readonly url: string;
  readonly adminUrl: string;
  readonly endpoints: readonly string[];
}

export interface StackOptions {
  /** Environment the services inherit (overrides the defaults below). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Where development key material lives; created if missing. */
  readonly devDir: string;
  /** Production-like stores: every stateful service uses this Redis (URL or Sentinel), each under `${prefix}<service>:`. */
  readonly redis?: StackRedis;
  /** Another entry script for a service (the privacy audit's tests swap in a leaky build). */
  readonly entries?: Readonly<Record<string, string>>;
}

function pick(env: StackOptions["env"], name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === "" ? fallback : v;
}

export interface DevMaterial {
  readonly gatewayKeysFile: string;
  /** ISSUER_KEYS_FILE, ISSUER_PSEUDONYM_KEY_FILE, ATTESTER_JWKS_FILE, ATTESTER_ISSUER, ATTESTER_AUDIENCE. */
  readonly issuerEnv: Readonly<Record<string, string>>;
  /** Each token-gated origin's ARC private key file (TOKEN_ARC_KEY_FILE). */
  readonly arcOriginKeyFiles: Readonly<Record<"sticker-search" | "telemetry", string>>;
  /** The issuer's ARC key file of each token-gated origin (ISSUER_ARC_KEYS_FILES). */
  readonly arcIssuerKeyFiles: Readonly<Record<"sticker-search" | "telemetry", string>>;
  /** True when this call created the directory's key material. */
  readonly created: boolean;
  /** The KEMs (`x-wing`, ...) whose gateway key this call added to an existing key file. */
  readonly addedKems: readonly string[];
}

/**
 * Development key material, created once under `.dev/` (git-ignored) and reused: the gateway's
 * HPKE keys, the issuer's RSA keys and device-pseudonym key, and a development attester (the
 * stand-in for the messenger's account system) whose credentials `npm run -s mint-credential`
 * prints. All of it is for a laptop only; production mounts key files from secrets.
 */
export async function ensureDevMaterial(devDir: string, now: Date = new Date()): Promise<DevMaterial> {
  mkdirSync(devDir, { recursive: true, mode: 0o700 });
  const gatewayKeysFile = join(devDir, "gateway-keys.json");
  const created = !existsSync(gatewayKeysFile);
  // An X-Wing key beside the X25519 one; a .dev made before the post-quantum keys gets one added.
  if (created) generateKeyFile(gatewayKeysFile, now, DEFAULT_GENERATED_KEMS);
  const addedKems = created ? [] : addMissingKems(gatewayKeysFile, DEFAULT_GENERATED_KEMS, now).map((k) => gatewayKem(k).cliName);
  const issuer = await prepareDevIssuer(devDir, now);
  return { gatewayKeysFile, issuerEnv: issuer.env, arcOriginKeyFiles: issuer.arcOriginKeyFiles, arcIssuerKeyFiles: issuer.arcIssuerKeyFiles, created, addedKems };
}

export async function describeStack(options: StackOptions): Promise<ServiceSpec[]> {
  const env = options.env;
  const host = "127.0.0.1";
  const port = (name: string, fallback: number): { port: string; url: string } => {
    const p = pick(env, name, String(fallback));
    return { port: p, url: `http://${host}:${p}` };
  };
  // Each service's ports: its own variables if set, else the registry's defaults.
  const ports = (name: ServiceName): { pub: { port: string; url: string }; admin: { port: string; url: string } } => {
    const s = SERVICES[name];
    return { pub: port(`${s.variablePrefix}_PORT`, s.port), admin: port(`${s.variablePrefix}_ADMIN_PORT`, s.adminPort) };
  };
  const relay = ports("relay");
  const gateway = ports("gateway");
  const issuer = ports("issuer");
  const search = ports("sticker-search");
  const telemetry = ports("telemetry");
  const { gatewayKeysFile, issuerEnv, arcOriginKeyFiles } = await ensureDevMaterial(options.devDir);
  // Variables the person starting the stack set win over the development defaults.
  const issuerDefaults = Object.fromEntries(Object.entries(issuerEnv).map(([k, v]) => [k, pick(env, k, v)]));
  const directoryUrl = pick(env, "ISSUER_DIRECTORY_URL", `${issuer.pub.url}${ISSUER_DIRECTORY_PATH}`);
  // The backends start after the issuer, whose directory they load; the gateway after its
  // targets; the relay last, in front of the gateway.
  const specs: ServiceSpec[] = [
    {
      name: "issuer",
      entry: join(ROOT, "services/issuer/dist/src/main.js"),
      env: { ...issuerDefaults, ISSUER_PORT: issuer.pub.port, ISSUER_ADMIN_PORT: issuer.admin.port },
      url: issuer.pub.url,
      adminUrl: issuer.admin.url,
      endpoints: [`GET ${ISSUER_DIRECTORY_PATH}`, "POST /token-request"],
    },
    {
      name: "sticker-search",
      entry: join(ROOT, "services/sticker-search/dist/src/main.js"),
      // Each token-gated origin its own ARC key (decision 0031); TOKEN_ARC_KEY_FILE="" turns ARC off.
      env: {
        STICKER_SEARCH_PORT: search.pub.port,
        STICKER_SEARCH_ADMIN_PORT: search.admin.port,
        ISSUER_DIRECTORY_URL: directoryUrl,
        TOKEN_ARC_KEY_FILE: env["TOKEN_ARC_KEY_FILE"] ?? arcOriginKeyFiles["sticker-search"],
      },
      url: search.pub.url,
      adminUrl: search.admin.url,
      endpoints: [`POST /v1/search (through the gateway, as ${STACK_ORIGINS.stickerSearch})`],
    },
    {
      name: "telemetry",
      entry: join(ROOT, "services/telemetry/dist/src/main.js"),
      env: {
        TELEMETRY_PORT: telemetry.pub.port,
        TELEMETRY_ADMIN_PORT: telemetry.admin.port,
        ISSUER_DIRECTORY_URL: directoryUrl,
        TOKEN_ARC_KEY_FILE: env["TOKEN_ARC_KEY_FILE"] ?? arcOriginKeyFiles.telemetry,
      },
      url: telemetry.pub.url,
      adminUrl: telemetry.admin.url,
      endpoints: [`POST /v1/events (through the gateway, as ${STACK_ORIGINS.telemetry})`],
    },
    {
      name: "gateway",
      entry: join(ROOT, "services/gateway/dist/src/main.js"),
      env: {
        GATEWAY_PORT: gateway.pub.port,
        GATEWAY_ADMIN_PORT: gateway.admin.port,
        GATEWAY_KEYS_FILE: pick(env, "GATEWAY_KEYS_FILE", gatewayKeysFile),
        GATEWAY_TARGETS: pick(
          env,
          "GATEWAY_TARGETS",
          [
            `${STACK_ORIGINS.stickerSearch}=${search.pub.url}`,
            `${STACK_ORIGINS.telemetry}=${telemetry.pub.url}`,
            // The issuer directory, fetched through relay and gateway so every client gets the
            // same bytes without the issuer learning who asked.
            `${STACK_ORIGINS.issuer}=${issuer.pub.url}`,
          ].join(","),
        ),
      },
      url: gateway.pub.url,
      adminUrl: gateway.admin.url,
      endpoints: ["GET /ohttp-keys", "GET /.well-known/ohttp-gateway", "POST /gateway", "POST /.well-known/ohttp-gateway"],
    },
    {
      name: "relay",
      entry: join(ROOT, "services/relay/dist/src/main.js"),
      env: { RELAY_PORT: relay.pub.port, RELAY_ADMIN_PORT: relay.admin.port, RELAY_GATEWAY_URL: pick(env, "RELAY_GATEWAY_URL", `${gateway.pub.url}/gateway`) },
      url: relay.pub.url,
      adminUrl: relay.admin.url,
      endpoints: ["POST /relay", "GET /ohttp-keys"],
    },
  ];
  const redis = options.redis;
  return specs.map((spec) => ({
    ...spec,
    entry: options.entries?.[spec.name] ?? spec.entry,
    // The relay keeps nothing in Redis: it gets none of the Redis variables (stack-redis.ts).
    env: STATELESS_SERVICES.includes(spec.name) ? spec.env : { ...spec.env, ...serviceRedisEnv(spec.name, options.env, redis) },
  }));
}

export interface RunningStack {
  readonly services: readonly ServiceSpec[];
  readonly children: readonly ChildProcess[];
  /** SIGTERM to every service; resolves when all have exited. */
  readonly stop: () => Promise<void>;
  /** Resolves with the first service that exits on its own. */
  readonly exited: Promise<{ name: string; code: number | null }>;
}

async function waitReady(spec: ServiceSpec, child: ChildProcess, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`${spec.name} exited with code ${child.exitCode} during start-up`);
    try {
      const res = await fetch(`${spec.adminUrl}/readyz`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${spec.name} was not ready within ${timeoutMs} ms`);
}

/**
 * Starts every service as its own process (as in production, one process per service), with
 * `stdio` passed through: each line is a JSON log event that names its service.
 */
export interface StartStackOptions extends StackOptions {
  readonly stdio?: "inherit" | "pipe" | "ignore";
  /** Called with each service's process as it starts (to read its output with `stdio: "pipe"`). */
  readonly onSpawn?: (name: string, child: ChildProcess) => void;
  /** How long each service may take to be ready; 20 s by default (a large catalogue takes longer to index). */
  readonly readyTimeoutMs?: number;
}

export async function startStack(options: StartStackOptions): Promise<RunningStack> {
  const services = await describeStack(options);
  const children: ChildProcess[] = [];
  let resolveExit: (v: { name: string; code: number | null }) => void = () => undefined;
  const exited = new Promise<{ name: string; code: number | null }>((r) => (resolveExit = r));
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
          }),
      ),
    );
  };
  try {
    for (const spec of services) {
      const child = spawn(process.execPath, [spec.entry], {
        env: { ...inheritedEnv(spec.name, options.env, options.redis), ...spec.env },
        stdio: ["ignore", options.stdio ?? "inherit", options.stdio ?? "inherit"],
      });
      children.push(child);
      options.onSpawn?.(spec.name, child);
      child.once("exit", (code) => resolveExit({ name: spec.name, code }));
      await waitReady(spec, child, options.readyTimeoutMs ?? 20_000);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { services, children, stop, exited };
}
