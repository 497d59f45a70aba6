/**
 * The local stack: which services run, on which ports, with which environment. `npm start`, the
 * end-to-end tests and the benchmarks all start the stack from this one description, so they
 * cannot drift apart. Every port and URL can be overridden with the services' own variables.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { generateKeyFile } from "@oblivious/gateway";
import { prepareDevIssuer } from "@oblivious/issuer";

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
}

function pick(env: StackOptions["env"], name: string, fallback: string): string {
  const v = env[name];
  return v === undefined || v === "" ? fallback : v;
}

export interface DevMaterial {
  readonly gatewayKeysFile: string;
  /** ISSUER_KEYS_FILE, ISSUER_PSEUDONYM_KEY_FILE, ATTESTER_JWKS_FILE, ATTESTER_ISSUER, ATTESTER_AUDIENCE. */
  readonly issuerEnv: Readonly<Record<string, string>>;
  /** True when this call created the directory's key material. */
  readonly created: boolean;
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
  if (created) generateKeyFile(gatewayKeysFile, now);
  const issuer = await prepareDevIssuer(devDir, now);
  return { gatewayKeysFile, issuerEnv: issuer.env, created };
}

export async function describeStack(options: StackOptions): Promise<ServiceSpec[]> {
  const env = options.env;
  const host = "127.0.0.1";
  const gatewayPort = pick(env, "GATEWAY_PORT", "8081");
  const gatewayAdmin = pick(env, "GATEWAY_ADMIN_PORT", "9081");
  const relayPort = pick(env, "RELAY_PORT", "8080");
  const relayAdmin = pick(env, "RELAY_ADMIN_PORT", "9080");
  const gatewayUrl = `http://${host}:${gatewayPort}`;
  const issuerPort = pick(env, "ISSUER_PORT", "8082");
  const issuerAdmin = pick(env, "ISSUER_ADMIN_PORT", "9082");
  const { gatewayKeysFile, issuerEnv } = await ensureDevMaterial(options.devDir);
  // Variables the person starting the stack set win over the development defaults.
  const issuerDefaults = Object.fromEntries(Object.entries(issuerEnv).map(([k, v]) => [k, pick(env, k, v)]));
  return [
    {
      name: "gateway",
      entry: join(ROOT, "services/gateway/dist/src/main.js"),
      env: {
        GATEWAY_PORT: gatewayPort,
        GATEWAY_ADMIN_PORT: gatewayAdmin,
        GATEWAY_KEYS_FILE: pick(env, "GATEWAY_KEYS_FILE", gatewayKeysFile),
        GATEWAY_TARGETS: pick(
          env,
          "GATEWAY_TARGETS",
          `https://sticker-search.internal=http://${host}:8083,https://telemetry.internal=http://${host}:8084`,
        ),
      },
      url: gatewayUrl,
      adminUrl: `http://${host}:${gatewayAdmin}`,
      endpoints: ["GET /ohttp-keys", "GET /.well-known/ohttp-gateway", "POST /gateway", "POST /.well-known/ohttp-gateway"],
    },
    {
      name: "relay",
      entry: join(ROOT, "services/relay/dist/src/main.js"),
      env: {
        RELAY_PORT: relayPort,
        RELAY_ADMIN_PORT: relayAdmin,
        RELAY_GATEWAY_URL: pick(env, "RELAY_GATEWAY_URL", `${gatewayUrl}/gateway`),
      },
      url: `http://${host}:${relayPort}`,
      adminUrl: `http://${host}:${relayAdmin}`,
      endpoints: ["POST /relay", "GET /ohttp-keys"],
    },
    {
      name: "issuer",
      entry: join(ROOT, "services/issuer/dist/src/main.js"),
      env: {
        ...issuerDefaults,
        ISSUER_PORT: issuerPort,
        ISSUER_ADMIN_PORT: issuerAdmin,
      },
      url: `http://${host}:${issuerPort}`,
      adminUrl: `http://${host}:${issuerAdmin}`,
      endpoints: ["GET /.well-known/private-token-issuer-directory", "POST /token-request"],
    },
  ];
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
export async function startStack(options: StackOptions & { readonly stdio?: "inherit" | "pipe" | "ignore" }): Promise<RunningStack> {
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
        env: { ...options.env, ...spec.env },
        stdio: ["ignore", options.stdio ?? "inherit", options.stdio ?? "inherit"],
      });
      children.push(child);
      child.once("exit", (code) => resolveExit({ name: spec.name, code }));
      await waitReady(spec, child, 20_000);
    }
  } catch (e) {
    await stop();
    throw e;
  }
  return { services, children, stop, exited };
}
