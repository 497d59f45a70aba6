/**
 * The real services in process, each on a loopback port 0: an issuer (dev credentials, memory
 * quota), a token-gated origin of our own (sticker search and telemetry routes behind
 * token-gate, keys from the issuer's directory), the gateway routing the three internal origins,
 * and the relay in front of it.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import express from "express";
import type { NextFunction, Request, Response } from "express";
import { Registry } from "prom-client";
import { LineCapture, closeServer, listen } from "@oblivious/test-kit";
import { createKeyEntry, generateKeyFile, loadGatewayConfig, readKeyFile, startGateway, writeKeyFile } from "@oblivious/gateway";
import { loadIssuerConfig, startIssuer } from "@oblivious/issuer";
import { createDevAttester, prepareDevIssuer } from "@oblivious/issuer/dev";
import { loadRelayConfig, startRelay } from "@oblivious/relay";
import { DirectoryKeySource, MemorySpentTokenStore, createArcGate, createTokenGate, readArcKeyFile } from "@oblivious/token-gate";
import type { KemId } from "@oblivious/ohttp";

/** What the origin received: every header of every request, and the PrivateToken credentials presented. */
export interface OriginLog {
  readonly headers: Record<string, string | string[] | undefined>[];
  readonly bodies: string[];
  readonly tokens: string[];
}

export interface Stack {
  readonly relayUrl: string;
  readonly issuerUrl: string;
  readonly gatewayUrl: string;
  readonly origin: OriginLog;
  readonly logs: { readonly relay: LineCapture; readonly gateway: LineCapture; readonly issuer: LineCapture };
  readonly registries: { readonly sticker: Registry; readonly telemetry: Registry };
  mint(deviceId: string): Promise<string>;
  /** Replaces the gateway's keys with one new key (a new key id) and reloads it. */
  rotateGatewayKey(): Promise<number>;
  stop(): Promise<void>;
}

/** What the origin answers for the locale "zz" (sticker-search's own problem for an unknown locale). */
export const UNKNOWN_LOCALE = { type: "tag:oblivious-services,2026:problem/unknown-locale", title: "Unknown Locale", status: 422, detail: "locale must be one of the catalogue's locales." };

export const STICKERS = [
  { id: "st-1", emoji: "🐱", pack: "cats", keywords: ["cat", "happy"] },
  { id: "st-2", emoji: "🐶", pack: "dogs", keywords: ["dog"] },
];

export interface StackOptions {
  readonly quota?: number;
  /** The gateway's keys, one per KEM (X25519 alone unless told; the browser tests list X-Wing too). */
  readonly kems?: readonly KemId[];
  /** ARC at the sticker-search origin (telemetry stays type 2 only): its rate-limit and the issuer's ARC quota (default 1000). */
  readonly arc?: { readonly limit: number; readonly quota?: number };
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const dir = mkdtempSync(join(tmpdir(), "client-stack-"));
  const logs = { relay: new LineCapture(), gateway: new LineCapture(), issuer: new LineCapture() };
  const dev = await prepareDevIssuer(dir);
  const issuer = await startIssuer(
    loadIssuerConfig({
      ...dev.env,
      ISSUER_PORT: "0",
      ISSUER_ADMIN_PORT: "0",
      ISSUER_QUOTA: String(options.quota ?? 40),
      ISSUER_SIGNERS: "1",
      ...(options.arc?.quota === undefined ? {} : { ISSUER_ARC_QUOTA: String(options.arc.quota) }),
    }),
    { logDestination: logs.issuer, registry: new Registry() },
  );
  const attester = await createDevAttester(dir);

  const keys = new DirectoryKeySource({ url: `${issuer.url}/.well-known/private-token-issuer-directory` });
  if (!(await keys.start())) throw new Error("the origin could not load the issuer directory");
  const registries = { sticker: new Registry(), telemetry: new Registry() };
  const gate = (name: string, registry: Registry, arcKeyFile?: string) => {
    const store = new MemorySpentTokenStore();
    const arc =
      arcKeyFile === undefined || options.arc === undefined
        ? {}
        : { arc: createArcGate({ issuerName: "issuer.internal", originInfo: [name], key: readArcKeyFile(arcKeyFile), store, presentationLimit: options.arc.limit }) };
    return createTokenGate({ issuerName: "issuer.internal", originInfo: [name], keys, store, spendTtlMs: 86_400_000, registry, ...arc });
  };
  const stickerGate = gate("sticker-search.internal", registries.sticker, dev.arcOriginKeyFiles["sticker-search"]);
  const telemetryGate = gate("telemetry.internal", registries.telemetry);
  const origin: OriginLog = { headers: [], bodies: [], tokens: [] };
  const app = express();
  app.use(express.text({ type: "*/*" }), (req: Request, _res: Response, next: NextFunction) => {
    origin.headers.push({ ...req.headers });
    origin.bodies.push(typeof req.body === "string" ? req.body : "");
    const authorization = req.headers.authorization;
    if (authorization !== undefined) origin.tokens.push(authorization);
    next();
  });
  app.post("/v1/search", stickerGate.middleware, (req: Request, res: Response) => {
    const query: unknown = JSON.parse(typeof req.body === "string" ? req.body : "{}");
    const q = typeof query === "object" && query !== null && "q" in query ? String(query.q) : "";
    if (typeof query === "object" && query !== null && "locale" in query && query.locale === "zz") {
      res.status(422).type("application/problem+json").send(JSON.stringify(UNKNOWN_LOCALE));
      return;
    }
    const hits = STICKERS.filter((s) => s.keywords.some((k) => k.startsWith(q)));
    res.json({ hits, total: hits.length, offset: 0, limit: 20 });
  });
  app.post("/v1/events", telemetryGate.middleware, (_req: Request, res: Response) => {
    res.status(202).json({ accepted: true });
  });
  app.use((_error: unknown, _req: Request, res: Response, _next: NextFunction) => {
    res.status(500).json({ error: "internal" });
  });
  const originServer = createServer(app);
  const originUrl = await listen(originServer);

  const keysFile = join(dir, "gateway-keys.json");
  generateKeyFile(keysFile, new Date(Date.now() - 60_000), options.kems);
  const gateway = await startGateway(
    loadGatewayConfig({
      GATEWAY_PORT: "0",
      GATEWAY_ADMIN_PORT: "0",
      GATEWAY_KEYS_FILE: keysFile,
      GATEWAY_TARGETS: [
        `https://sticker-search.internal=${originUrl}`,
        `https://telemetry.internal=${originUrl}`,
        `https://issuer.internal=${issuer.url}`,
      ].join(","),
    }),
    { logDestination: logs.gateway, registry: new Registry() },
  );
  const relay = await startRelay(
    loadRelayConfig({ RELAY_PORT: "0", RELAY_ADMIN_PORT: "0", RELAY_GATEWAY_URL: `${gateway.url}/gateway`, RELAY_KEYS_TTL: "1s" }),
    { logDestination: logs.relay, registry: new Registry() },
  );

  return {
    relayUrl: relay.url,
    issuerUrl: issuer.url,
    gatewayUrl: gateway.url,
    origin,
    logs,
    registries,
    mint: (deviceId) => attester.mint(deviceId),
    async rotateGatewayKey() {
      const [old] = readKeyFile(keysFile);
      const keyId = ((old?.key.keyId ?? 0) + 1) % 256;
      const at = Date.now() - 1000;
      writeKeyFile(keysFile, [createKeyEntry(keyId, { publishFrom: at, activeFrom: at })]);
      await gateway.reloadKeys();
      return keyId;
    },
    async stop() {
      await relay.stop();
      await gateway.stop();
      await closeServer(originServer);
      keys.stop();
      await issuer.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A fetch that records every outgoing request (URL, headers, body) before sending it. */
export interface Recorded {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}

export function recordingFetch(log: Recorded[]): typeof globalThis.fetch {
  return async (input, init) => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const headers = Object.fromEntries(new Headers(init?.headers).entries());
    const raw = init?.body;
    const body = raw instanceof Uint8Array ? Uint8Array.from(raw) : typeof raw === "string" ? new TextEncoder().encode(raw) : new Uint8Array(0);
    log.push({ url, headers, body });
    return fetch(input, init);
  };
}
