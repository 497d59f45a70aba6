/**
 * An in-process stack for the load tool's tests: the real issuer, gateway and relay on loopback
 * ports, and two token-gated origins (token-gate with keys from the issuer's directory) that
 * answer like sticker-search and telemetry. Each origin can be told to answer wrongly, so a test
 * can show that a wrong answer counts as an error.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import express from "express";
import { Registry } from "prom-client";
import { DEFAULT_GENERATED_KEMS, generateKeyFile, loadGatewayConfig, startGateway } from "@oblivious/gateway";
import { loadIssuerConfig, startIssuer } from "@oblivious/issuer";
import { createDevAttester, prepareDevIssuer } from "@oblivious/issuer/dev";
import { loadRelayConfig, startRelay } from "@oblivious/relay";
import { DirectoryKeySource, MemorySpentTokenStore, createTokenGate } from "@oblivious/token-gate";
import { closeServer, listen } from "@oblivious/test-kit";

/** A few stickers with CLDR-style keywords per locale; the stub matches a query against them. */
const STICKERS = [
  { id: "1f408", emoji: "🐈\uFE0F", pack: "animals-nature", keywords: { en: ["cat"], de: ["katze"], ja: ["猫"], ru: ["кошка"] } },
  { id: "1f431", emoji: "🐱", pack: "animals-nature", keywords: { en: ["cat face", "cat"], de: ["katzengesicht", "katze"], ja: ["ネコの顔", "猫"], ru: ["морда кошки", "кошка"] } },
  { id: "1f63a", emoji: "😺", pack: "smileys-emotion", keywords: { en: ["grinning cat", "cat"], de: ["grinsende katze"], ja: ["にっこり笑う猫"], ru: [] } },
  { id: "1f415", emoji: "🐕\uFE0F", pack: "animals-nature", keywords: { en: ["dog"], de: ["hund"], ja: ["イヌ"], ru: ["собака"] } },
  { id: "1f32d", emoji: "🌭", pack: "food-drink", keywords: { en: ["hot dog"], de: ["hotdog"], ja: ["ホットドッグ"], ru: ["хот-дог"] } },
  { id: "1f355", emoji: "🍕", pack: "food-drink", keywords: { en: ["pizza"], de: ["pizza"], ja: ["ピザ"], ru: ["пицца"] } },
  { id: "1f680", emoji: "🚀", pack: "travel-places", keywords: { en: ["rocket"], de: ["rakete"], ja: ["ロケット"], ru: ["ракета"] } },
] as const;

type Locale = keyof (typeof STICKERS)[number]["keywords"];

export interface LoadStack {
  readonly relayUrl: string;
  /** The origins' own URLs, for the load tool's direct mode. */
  readonly searchUrl: string;
  readonly telemetryUrl: string;
  readonly devDir: string;
  /** The gateway's key file (GATEWAY_KEYS_FILE), reloaded by the gateway when it changes. */
  readonly gatewayKeysFile: string;
  /** When true, the origin answers 200 with a body that is not the right answer. */
  readonly wrong: { search: boolean; telemetry: boolean };
  readonly stop: () => Promise<void>;
}

class Discard extends Writable {
  override _write(_chunk: unknown, _enc: BufferEncoding, done: () => void): void {
    done();
  }
}

/** Extra environment for the gateway and the relay (e2e/test/rotation.test.ts shortens their key caching). */
export interface LoadStackOptions {
  readonly gatewayEnv?: Readonly<Record<string, string>>;
  readonly relayEnv?: Readonly<Record<string, string>>;
}

export async function startLoadStack(options: LoadStackOptions = {}): Promise<LoadStack> {
  const devDir = mkdtempSync(join(tmpdir(), "e2e-load-"));
  const dev = await prepareDevIssuer(devDir);
  await createDevAttester(devDir);
  const issuer = await startIssuer(loadIssuerConfig({ ...dev.env, ISSUER_PORT: "0", ISSUER_ADMIN_PORT: "0", ISSUER_QUOTA: "100", ISSUER_SIGNERS: "1" }), {
    logDestination: new Discard(),
    registry: new Registry(),
  });
  const keys = new DirectoryKeySource({ url: `${issuer.url}/.well-known/private-token-issuer-directory` });
  if (!(await keys.start())) throw new Error("the origins could not load the issuer directory");
  const wrong = { search: false, telemetry: false };

  const origin = (name: string): ReturnType<typeof createTokenGate> =>
    createTokenGate({ issuerName: "issuer.internal", originInfo: [name], keys, store: new MemorySpentTokenStore(), spendTtlMs: 86_400_000, registry: new Registry() });
  const searchGate = origin("sticker-search.internal");
  const telemetryGate = origin("telemetry.internal");
  const app = express();
  app.post("/v1/search", searchGate.middleware, express.json(), (req, res) => {
    const { q, locale, limit } = req.body as { q: string; locale: Locale; limit: number };
    const query = String(q).toLowerCase();
    const hits = STICKERS.filter((s) => (s.keywords[locale] ?? []).some((k: string) => k.includes(query)))
      .slice(0, limit)
      .map((s) => ({ id: s.id, emoji: wrong.search ? "🦄" : s.emoji, pack: s.pack, keywords: s.keywords[locale] }));
    res.json({ hits, total: hits.length, offset: 0, limit });
  });
  const telemetryApp = express();
  telemetryApp.post("/v1/events", telemetryGate.middleware, express.json(), (req, res) => {
    const events = (req.body as { events: unknown[] }).events;
    // The real service's answer: drops counted by reason.
    res.json({ accepted: wrong.telemetry ? events.length - 1 : events.length, dropped: { unknown_type: 0, undeclared_field: 0, invalid_type: 0, invalid_value: 0, out_of_range: 0, missing_field: 0 } });
  });
  const searchServer = createServer(app);
  const telemetryServer = createServer(telemetryApp);
  const searchUrl = await listen(searchServer);
  const telemetryUrl = await listen(telemetryServer);

  const keysFile = join(devDir, "gateway-keys.json");
  // X-Wing and X25519, as npm start's gateway lists them: the load runs on X-Wing by default.
  generateKeyFile(keysFile, new Date(Date.now() - 60_000), DEFAULT_GENERATED_KEMS);
  const gateway = await startGateway(
    loadGatewayConfig({
      GATEWAY_PORT: "0",
      GATEWAY_ADMIN_PORT: "0",
      GATEWAY_KEYS_FILE: keysFile,
      GATEWAY_TARGETS: [`https://sticker-search.internal=${searchUrl}`, `https://telemetry.internal=${telemetryUrl}`, `https://issuer.internal=${issuer.url}`].join(","),
      ...options.gatewayEnv,
    }),
    { logDestination: new Discard(), registry: new Registry() },
  );
  // The relay's per-address rate limit would refuse a load generator on one address within seconds.
  const relay = await startRelay(loadRelayConfig({ RELAY_PORT: "0", RELAY_ADMIN_PORT: "0", RELAY_GATEWAY_URL: `${gateway.url}/gateway`, RELAY_RATE_LIMIT: "1000000", ...options.relayEnv }), {
    logDestination: new Discard(),
    registry: new Registry(),
  });
  return {
    relayUrl: relay.url,
    searchUrl,
    telemetryUrl,
    devDir,
    gatewayKeysFile: keysFile,
    wrong,
    stop: async () => {
      await relay.stop();
      await gateway.stop();
      await Promise.all([closeServer(searchServer), closeServer(telemetryServer)]);
      keys.stop();
      await issuer.stop();
      rmSync(devDir, { recursive: true, force: true });
    },
  };
}
