/**
 * Two replicas each of the issuer, sticker-search, the gateway and the relay, as processes, behind
 * a real HAProxy (Debian's package) on loopback ports: one frontend per service, each balancing
 * over its two replicas and health-checking `/readyz` on their admin ports. Every hop goes through
 * HAProxy (client → relay → gateway → sticker-search or issuer, and the origins' directory
 * fetches), as it would through a cluster's load balancers. State that replicas share lives in the
 * test Redis under a unique prefix. Used by the rolling-restart test.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ISSUER_DIRECTORY_PATH } from "@oblivious/privacypass";
import { STACK_ORIGINS, describeStack, type ServiceSpec } from "@oblivious/scripts/stack";
import { freePorts } from "@oblivious/test-kit";

export const REPLICATED = ["issuer", "sticker-search", "gateway", "relay"] as const;
export type Replicated = (typeof REPLICATED)[number];

/** The services' variable prefixes (RELAY_PORT, STICKER_SEARCH_ADMIN_PORT...). */
const PREFIX: Record<Replicated, string> = { issuer: "ISSUER", "sticker-search": "STICKER_SEARCH", gateway: "GATEWAY", relay: "RELAY" };

/**
 * Health checks every 200 ms; three failures mark a replica down, two successes up again. A check
 * may take 2 s: on a loaded machine a replica starting next door can slow the other's answer.
 */
export const CHECK = { interMs: 200, fall: 3, rise: 2, timeoutMs: 2000 } as const;

/** The HAProxy binary, or a failure that says how to install it (the test fails, never skips). */
export function requireHaproxy(): string {
  const found = spawnSync("sh", ["-c", "command -v haproxy || ls /usr/sbin/haproxy"], { encoding: "utf8" });
  const path = found.stdout.trim().split("\n")[0] ?? "";
  if (found.status !== 0 || path === "") throw new Error("haproxy is not installed: apt-get install -y haproxy (CI installs it in .ci/run)");
  return path;
}

interface Replica {
  readonly name: Replicated;
  readonly index: number;
  readonly env: Readonly<Record<string, string>>;
  readonly entry: string;
  readonly port: number;
  readonly adminPort: number;
  child: ChildProcess | undefined;
}

export interface ReplicaStackOptions {
  readonly devDir: string;
  readonly redisUrl: string;
  /** Extra environment for every service (grace, limits...). */
  readonly env: Readonly<Record<string, string>>;
}

async function waitFor(what: string, timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms`);
}

export class ReplicaStack {
  readonly relayUrl: string;
  readonly #replicas: Replica[];
  readonly #haproxy: ChildProcess;
  readonly #socket: string;
  readonly #dir: string;
  #stderr = "";

  private constructor(relayUrl: string, replicas: Replica[], haproxy: ChildProcess, socket: string, dir: string) {
    this.relayUrl = relayUrl;
    this.#replicas = replicas;
    this.#haproxy = haproxy;
    this.#socket = socket;
    this.#dir = dir;
    haproxy.stderr?.on("data", (c: Buffer) => (this.#stderr = (this.#stderr + c.toString()).slice(-4000)));
  }

  /**
   * Starts everything; once more on fresh ports if a first start fails (the ports were free when
   * chosen, but a test running beside this one may take one before a replica binds it).
   */
  static async start(options: ReplicaStackOptions): Promise<ReplicaStack> {
    try {
      return await ReplicaStack.#startOnce(options);
    } catch {
      return ReplicaStack.#startOnce(options);
    }
  }

  static async #startOnce(options: ReplicaStackOptions): Promise<ReplicaStack> {
    const haproxyBin = requireHaproxy();
    const dir = mkdtempSync(join(tmpdir(), "e2e-replicas-"));
    const [relayFront = 0, gatewayFront = 0, issuerFront = 0, searchFront = 0, ...replicaPorts] = await freePorts(4 + REPLICATED.length * 4);
    const front = (p: number): string => `http://127.0.0.1:${p}`;
    const specs = await describeStack({
      devDir: options.devDir,
      redis: { url: options.redisUrl, prefix: `e2e-rolling-${process.pid}-${Date.now()}:` },
      env: {
        ISSUER_DIRECTORY_URL: `${front(issuerFront)}${ISSUER_DIRECTORY_PATH}`,
        GATEWAY_TARGETS: [`${STACK_ORIGINS.stickerSearch}=${front(searchFront)}`, `${STACK_ORIGINS.issuer}=${front(issuerFront)}`].join(","),
        RELAY_GATEWAY_URL: `${front(gatewayFront)}/gateway`,
      },
    });
    const replicas: Replica[] = [];
    for (const name of REPLICATED) {
      const spec = specs.find((s): s is ServiceSpec => s.name === name);
      if (spec === undefined) throw new Error(`the stack has no ${name}`);
      for (const index of [0, 1]) {
        const port = replicaPorts.shift() ?? 0;
        const adminPort = replicaPorts.shift() ?? 0;
        const env = { ...spec.env, ...options.env, [`${PREFIX[name]}_PORT`]: String(port), [`${PREFIX[name]}_ADMIN_PORT`]: String(adminPort) };
        replicas.push({ name, index, env, entry: spec.entry, port, adminPort, child: undefined });
      }
    }
    const backend = (name: Replicated, frontPort: number): string[] => [
      `frontend f-${name}`,
      `  bind 127.0.0.1:${frontPort}`,
      `  default_backend b-${name}`,
      `backend b-${name}`,
      "  option httpchk",
      "  http-check send meth GET uri /readyz",
      "  http-check expect status 200",
      `  default-server inter ${CHECK.interMs}ms fall ${CHECK.fall} rise ${CHECK.rise}`,
      ...replicas.filter((r) => r.name === name).map((r) => `  server ${name}-${r.index} 127.0.0.1:${r.port} check port ${r.adminPort}`),
    ];
    const socket = join(dir, "haproxy.sock");
    const config = [
      "global",
      `  stats socket ${socket} mode 600 level admin`,
      "  maxconn 4096",
      "defaults",
      "  mode http",
      "  timeout connect 2s",
      "  timeout client 30s",
      "  timeout server 30s",
      `  timeout check ${CHECK.timeoutMs}ms`,
      "  timeout http-keep-alive 10s",
      // An idle kept-alive connection the server closes as the balancer reuses it is a race of
      // HTTP/1.1 itself (RFC 9112 §9.3.1), restart or not; a request that got no byte back was
      // not processed (a draining server closes idle connections only), so it may go again.
      "  retries 2",
      "  retry-on conn-failure empty-response",
      ...backend("relay", relayFront),
      ...backend("gateway", gatewayFront),
      ...backend("issuer", issuerFront),
      ...backend("sticker-search", searchFront),
      "",
    ].join("\n");
    const configFile = join(dir, "haproxy.cfg");
    writeFileSync(configFile, config);
    const checked = spawnSync(haproxyBin, ["-c", "-f", configFile], { encoding: "utf8" });
    if (checked.status !== 0) throw new Error(`haproxy refused its configuration: ${checked.stderr}`);
    const haproxy = spawn(haproxyBin, ["-db", "-f", configFile], { stdio: ["ignore", "ignore", "pipe"] });
    const stack = new ReplicaStack(front(relayFront), replicas, haproxy, socket, dir);
    try {
      // Tier by tier (the origins load the issuer's directory as they start), both replicas at once.
      for (const name of REPLICATED) await Promise.all(replicas.filter((r) => r.name === name).map((r) => stack.#launch(r)));
      for (const r of replicas) await stack.#waitUp(r);
    } catch (e) {
      await stack.stop();
      throw e;
    }
    return stack;
  }

  async #launch(r: Replica): Promise<void> {
    const child = spawn(process.execPath, [r.entry], { env: { PATH: process.env["PATH"] ?? "", ...r.env }, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr?.on("data", (c: Buffer) => (stderr = (stderr + c.toString()).slice(-2000)));
    r.child = child;
    await waitFor(`${r.name}-${r.index} ready`, 60_000, async () => {
      if (child.exitCode !== null) throw new Error(`${r.name}-${r.index} exited with ${child.exitCode}: ${stderr}`);
      return (await fetch(`http://127.0.0.1:${r.adminPort}/readyz`)).ok;
    });
  }

  /** HAProxy's `show stat` over its admin socket: one record per proxy and server, by column name. */
  async stats(): Promise<Record<string, string>[]> {
    const text = await new Promise<string>((resolve, reject) => {
      const c = connect(this.#socket);
      let out = "";
      c.on("data", (d: Buffer) => (out += d.toString()));
      c.on("end", () => resolve(out));
      c.on("error", reject);
      c.end("show stat\n");
    });
    const [head = "", ...lines] = text.split("\n").filter((l) => l !== "");
    const names = head.replace(/^# /, "").split(",");
    return lines.map((l) => Object.fromEntries(l.split(",").map((v, i) => [names[i] ?? String(i), v])));
  }

  /** `<backend>/<server>` → HAProxy's status for it (UP, DOWN...). */
  async serverStatus(): Promise<Map<string, string>> {
    return new Map((await this.stats()).map((s) => [`${s["pxname"] ?? ""}/${s["svname"] ?? ""}`, s["status"] ?? ""]));
  }

  /** What HAProxy saw of each backend and server: transitions to down, connection and answer errors, 5xx. */
  async errorSummary(): Promise<string> {
    const rows = (await this.stats()).filter((s) => s["pxname"]?.startsWith("b-") === true);
    return rows
      .map((s) => `${s["pxname"] ?? ""}/${s["svname"] ?? ""}: chkdown ${s["chkdown"] ?? "?"} econ ${s["econ"] ?? "?"} eresp ${s["eresp"] ?? "?"} wretr ${s["wretr"] ?? "?"} 5xx ${s["hrsp_5xx"] ?? "?"}`)
      .join("; ");
  }

  async #waitUp(r: Replica): Promise<void> {
    await waitFor(`haproxy marks ${r.name}-${r.index} up`, 30_000, async () => (await this.serverStatus()).get(`b-${r.name}/${r.name}-${r.index}`) === "UP");
  }

  /**
   * SIGTERM to one replica, its exit (code 0, after its grace and drain), a fresh process on the
   * same ports, and HAProxy seeing it up again. Returns how long the old process took to exit.
   */
  async restart(name: Replicated, index: number): Promise<{ exitMs: number; code: number | null }> {
    const r = this.#replicas.find((x) => x.name === name && x.index === index);
    const child = r?.child;
    if (r === undefined || child === undefined) throw new Error(`no replica ${name}-${index}`);
    const started = Date.now();
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM");
    const code = await exited;
    const exitMs = Date.now() - started;
    await this.#launch(r);
    await this.#waitUp(r);
    return { exitMs, code };
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.#replicas.map(
        (r) =>
          new Promise<void>((resolve) => {
            const c = r.child;
            if (c === undefined || c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once("exit", () => resolve());
            c.kill("SIGTERM");
          }),
      ),
    );
    await new Promise<void>((resolve) => {
      if (this.#haproxy.exitCode !== null || this.#haproxy.signalCode !== null) return resolve();
      this.#haproxy.once("exit", () => resolve());
      this.#haproxy.kill("SIGTERM");
    });
    rmSync(this.#dir, { recursive: true, force: true });
  }

  get haproxyLog(): string {
    return this.#stderr;
  }
}
