/** Test helpers: the real catalogue built once, and the service on port 0 taking tokens of a test-kit issuer key. */
import { Registry } from "prom-client";
import { LineCapture, makeIssuer, mintToken, tokenChallenge, type TestIssuer } from "@oblivious/test-kit";
import { StaticKeySource } from "@oblivious/token-gate";
import { buildEmojiCatalogue } from "../src/catalogue-emojibase.js";
import { type Catalogue } from "../src/catalogue.js";
import { loadStickerSearchConfig } from "../src/config.js";
import { startStickerSearch, type RunningStickerSearch } from "../src/server.js";

export const ORIGIN_NAME = "sticker-search.internal";
/** The challenge this service sends; tokens for it are the ones it accepts. */
export const CHALLENGE = tokenChallenge({ originInfo: [ORIGIN_NAME] });

/** Built once per test process: every test file searches the same real catalogue. */
let shared: Catalogue | undefined;
export function realCatalogue(): Catalogue {
  shared ??= buildEmojiCatalogue();
  return shared;
}

export interface TestService {
  readonly service: RunningStickerSearch;
  readonly out: LineCapture;
  readonly registry: Registry;
  readonly issuer: TestIssuer;
  /** POSTs a JSON body (or raw string) with a fresh token. */
  search(body: unknown, init?: { token?: string | null; contentType?: string; raw?: string }): Promise<Response>;
  metrics(): Promise<string>;
}

/** The service on loopback port 0 with `env` on top of the defaults, tokens from a static issuer key. */
export async function startTestService(env: Record<string, string> = {}, issuer: TestIssuer = makeIssuer()): Promise<TestService> {
  const out = new LineCapture();
  const registry = new Registry();
  const config = loadStickerSearchConfig({ STICKER_SEARCH_PORT: "0", STICKER_SEARCH_ADMIN_PORT: "0", STICKER_SEARCH_DRAIN_TIMEOUT: "1s", ...env });
  const service = await startStickerSearch(config, { logDestination: out, registry, keys: new StaticKeySource([issuer.spki]), catalogue: realCatalogue(), engineRetryMs: 200 });
  return {
    service,
    out,
    registry,
    issuer,
    async search(body, init = {}) {
      const token = init.token === undefined ? (await mintToken(issuer, CHALLENGE)).header : init.token;
      const headers: Record<string, string> = { "content-type": init.contentType ?? "application/json" };
      if (token !== null) headers["authorization"] = token;
      return fetch(`${service.url}/v1/search`, { method: "POST", headers, body: init.raw ?? JSON.stringify(body) });
    },
    async metrics() {
      return (await fetch(`${service.adminUrl}/metrics`)).text();
    },
  };
}

export async function eventually(check: () => Promise<boolean> | boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((r) => setTimeout(r, 50));
  }
}
