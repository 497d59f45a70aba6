/**
 * The privacy audit: the whole stack as separate processes, on the real Redis, with a recording
 * proxy in front of every hop after the relay; every flow driven with unique canary values; then
 * every log line, every /metrics page, every Redis key and value and every byte each hop
 * received is searched for each canary. The result is the who-saw-what matrix of contract.ts.
 */
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startStack, STACK_ORIGINS, type RunningStack } from "../stack.js";
import { LineCapture, deleteRedisPrefix, dumpRedis, fetchMetrics } from "./capture.js";
import type { CanaryKind, Component } from "./contract.js";
import { driveFlows, type FlowReport } from "./flows.js";
import { buildMatrix, renderMatrix, type Cell } from "./matrix.js";
import { startRecorder, type Recorder } from "./recorder.js";
import { Scanner, type Canary, type Finding } from "./scan.js";
import { tokensIn } from "./tokens.js";
import { freePort } from "@oblivious/test-kit";

export interface AuditOptions {
  readonly redisUrl: string;
  /** Entry scripts to swap in, by service name (the tests' deliberately leaky build). */
  readonly entries?: Readonly<Record<string, string>>;
}

export interface HopReport {
  readonly hop: string;
  readonly connections: number;
  /** Peer addresses the receiving side saw. */
  readonly peers: readonly string[];
  /** Header names received, lower-cased, in first-seen order. */
  readonly headerNames: readonly string[];
}

export interface AuditResult {
  readonly cells: readonly Cell[];
  readonly findings: readonly Finding[];
  readonly violations: readonly Finding[];
  readonly matrix: string;
  readonly hops: readonly HopReport[];
  readonly flows: FlowReport;
  /** How many log lines, metrics pages, Redis keys and hop bytes were searched. */
  readonly searched: { readonly logLines: number; readonly metricsPages: number; readonly redisKeys: number; readonly hopBytes: number };
}

/** The canary values of one run; `client_ip` is an address of 127.0.0.0/8 other than 127.0.0.1. */
export function makeCanaries(): Record<Exclude<CanaryKind, "token" | "arc_credential">, string> {
  const run = randomBytes(6).toString("hex");
  const [a = 0, b = 0, c = 0] = randomBytes(3);
  return {
    client_ip: `127.${100 + (a % 100)}.${b}.${1 + (c % 250)}`,
    client_header: `canary-header-${run}`,
    device_id: `canary-device-${run}`,
    account_id: `canary-account-${run}`,
    query: `canaryquery${run}`,
    telemetry_text: `canary-text-${run}`,
  };
}

function headerNames(bytes: Buffer): string[] {
  const names = new Set<string>();
  for (const block of bytes.toString("latin1").split("\r\n\r\n")) {
    for (const line of block.split("\r\n").slice(1)) {
      const colon = line.indexOf(":");
      if (colon > 0 && /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(line.slice(0, colon))) names.add(line.slice(0, colon).toLowerCase());
    }
  }
  return [...names];
}

/** Start-up attempts: a port picked free can be taken by another process before its service binds it. */
const START_ATTEMPTS = 3;

interface StartedAudit {
  readonly ports: Record<"relay" | "relayAdmin" | "gateway" | "gatewayAdmin" | "issuer" | "issuerAdmin" | "search" | "searchAdmin" | "telemetry" | "telemetryAdmin", string>;
  readonly recorders: Record<"gateway" | "sticker-search" | "telemetry" | "issuer", Recorder>;
  readonly logs: Map<string, LineCapture>;
  readonly stack: RunningStack;
}

/** The stack behind its hop recorders, on free ports; again on other ports when a port was taken meanwhile. */
async function startAuditStack(options: AuditOptions, devDir: string, prefix: string): Promise<StartedAudit> {
  for (let attempt = 1; ; attempt++) {
    const port = async (): Promise<string> => String(await freePort());
    const ports = {
      relay: await port(), relayAdmin: await port(), gateway: await port(), gatewayAdmin: await port(),
      issuer: await port(), issuerAdmin: await port(), search: await port(), searchAdmin: await port(),
      telemetry: await port(), telemetryAdmin: await port(),
    };
    const local = (p: string): URL => new URL(`http://127.0.0.1:${p}`);
    const recorders: Record<"gateway" | "sticker-search" | "telemetry" | "issuer", Recorder> = {
      gateway: await startRecorder("relay → gateway", local(ports.gateway)),
      "sticker-search": await startRecorder("gateway → sticker-search", local(ports.search)),
      telemetry: await startRecorder("gateway → telemetry", local(ports.telemetry)),
      issuer: await startRecorder("gateway → issuer", local(ports.issuer)),
    };
    const logs = new Map<string, LineCapture>();
    try {
      const stack = await startStack({
        devDir,
        stdio: "pipe",
        redis: { url: options.redisUrl, prefix },
        ...(options.entries === undefined ? {} : { entries: options.entries }),
        env: {
          PATH: process.env["PATH"],
          RELAY_PORT: ports.relay, RELAY_ADMIN_PORT: ports.relayAdmin,
          GATEWAY_PORT: ports.gateway, GATEWAY_ADMIN_PORT: ports.gatewayAdmin,
          ISSUER_PORT: ports.issuer, ISSUER_ADMIN_PORT: ports.issuerAdmin,
          STICKER_SEARCH_PORT: ports.search, STICKER_SEARCH_ADMIN_PORT: ports.searchAdmin,
          TELEMETRY_PORT: ports.telemetry, TELEMETRY_ADMIN_PORT: ports.telemetryAdmin,
          RELAY_GATEWAY_URL: `${recorders.gateway.url}/gateway`,
          GATEWAY_TARGETS: [
            `${STACK_ORIGINS.stickerSearch}=${recorders["sticker-search"].url}`,
            `${STACK_ORIGINS.telemetry}=${recorders.telemetry.url}`,
            `${STACK_ORIGINS.issuer}=${recorders.issuer.url}`,
          ].join(","),
        },
        onSpawn: (name, child) => {
          const capture = new LineCapture();
          capture.attach(child);
          logs.set(name, capture);
        },
      });
      return { ports, recorders, logs, stack };
    } catch (e) {
      for (const r of Object.values(recorders)) await r.close();
      // The services' start-up failures are log events with a reason (service.start_failed).
      const reasons = [...logs].flatMap(([name, capture]) =>
        capture.lines.filter((l) => l.includes('"service.start_failed"')).map((l) => `${name}: ${l}`),
      );
      const portTaken = reasons.some((r) => r.includes('"address_in_use"'));
      if (portTaken && attempt < START_ATTEMPTS) continue;
      const detail = reasons.length > 0 ? ` (${reasons.join("; ")})` : "";
      throw new Error(`${e instanceof Error ? e.message : String(e)}${detail}`);
    }
  }
}

export async function runAudit(options: AuditOptions): Promise<AuditResult> {
  const values = makeCanaries();
  const devDir = mkdtempSync(join(tmpdir(), "privacy-audit-"));
  const prefix = `audit-${randomBytes(4).toString("hex")}:`;
  let started: StartedAudit | undefined;
  let stack: RunningStack | undefined;
  try {
    started = await startAuditStack(options, devDir, prefix);
    stack = started.stack;
    const { recorders, logs } = started;
    const byName = new Map(stack.services.map((s) => [s.name, s]));
    const url = (name: string): string => byName.get(name)?.url ?? "";
    const flows = await driveFlows({ relayUrl: url("relay"), issuerUrl: url("issuer"), devDir, canaries: values });

    const metrics = new Map<string, string>();
    for (const s of stack.services) metrics.set(s.name, await fetchMetrics(s.adminUrl));
    const stored = await dumpRedis(options.redisUrl, prefix);
    await stack.stop();
    stack = undefined;

    // Tokens are made during the run: the ones presented are read from what the backends received.
    const hopBytes = Object.values(recorders).map((r) => r.bytes());
    const canaries: Canary[] = [
      ...Object.entries(values).map(([kind, value]) => ({ kind: kind as Exclude<CanaryKind, "token" | "arc_credential">, value })),
      ...tokensIn(Buffer.concat(hopBytes).toString("latin1")).map((t) => ({ kind: "token" as const, value: t.encoded, related: t.related })),
      ...flows.arcCredentials.map((c) => ({ kind: "arc_credential" as const, value: Buffer.from(c.response).toString("base64url"), related: c.related })),
    ];
    const scanner = new Scanner(canaries);
    const findings: Finding[] = [];
    // What the audit's own client sent straight to the relay and to the issuer.
    for (const kind of flows.sentToRelay) findings.push({ component: "relay", channel: "received", canary: kind, where: "client → relay" });
    for (const kind of flows.sentToIssuer) findings.push({ component: "issuer", channel: "received", canary: kind, where: "client → issuer" });
    // Every byte the client sent the issuer directly (credential and token requests): a
    // presentation found here would break "the issuer never sees a presentation".
    findings.push(...scanner.findings("issuer", "received", "client → issuer", flows.sentToIssuerBytes.toString("latin1")));
    for (const [component, recorder] of Object.entries(recorders) as [Component, Recorder][]) {
      const text = recorder.bytes().toString("latin1");
      findings.push(...scanner.findings(component, "received", recorder.name, text));
      for (const c of recorder.connections) findings.push(...scanner.findings(component, "received", `${recorder.name} (peer address)`, c.peerAddress));
    }
    let logLines = 0;
    for (const [name, capture] of logs) {
      logLines += capture.lines.length;
      capture.lines.forEach((line, i) => findings.push(...scanner.findings(name as Component, "logged", `${name} log line ${i + 1}`, line)));
    }
    for (const [name, page] of metrics) findings.push(...scanner.findings(name as Component, "metrics", `${name} /metrics`, page));
    for (const entry of stored) findings.push(...scanner.findings("redis", "stored", `key ${entry.key.slice(prefix.length)}`, `${entry.key}\n${entry.value}`));
    const expiring = stored.filter((e) => e.key.includes(":spent:"));
    flows.steps.push({
      flow: `redis: ${expiring.length} spent-token entries, each a 32-byte hash with an expiry`,
      status: expiring.length > 0 && expiring.every((e) => /:spent:[0-9a-f]{64}$/.test(e.key) && e.pttlMs > 0) ? 200 : 0,
      expected: 200,
    });

    const cells = buildMatrix(findings);
    return {
      cells,
      findings,
      violations: cells.flatMap((c) => c.violations),
      matrix: renderMatrix(cells),
      hops: Object.values(recorders).map((r) => ({
        hop: r.name,
        connections: r.connections.length,
        peers: [...new Set(r.connections.map((c) => c.peerAddress))],
        headerNames: headerNames(r.bytes()),
      })),
      flows,
      searched: { logLines, metricsPages: metrics.size, redisKeys: stored.length, hopBytes: hopBytes.reduce((n, b) => n + b.length, 0) },
    };
  } finally {
    await stack?.stop();
    for (const r of Object.values(started?.recorders ?? {})) await r.close();
    await deleteRedisPrefix(options.redisUrl, prefix).catch(() => undefined);
    rmSync(devDir, { recursive: true, force: true });
  }
}
