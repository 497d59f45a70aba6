/**
 * The browser entry in a real browser: headless Chromium loads a page that runs the bundled
 * `@oblivious/client/browser` (the SDK on the project's own protocol libraries, with their @noble
 * primitives) and searches through the real relay, gateway, issuer and a token-gated origin. The
 * gateway lists an X-Wing and an X25519 key; the browser must seal to the X-Wing one. The page's server is one origin for the page,
 * the relay and the issuer (it passes their requests through unchanged), as an app's own origin
 * or the relay's CORS would be in production. The sticker-search origin offers ARC (token type
 * 0xE5AC) beside type 2: one page asks for type 2, one presents ARC (the default where offered),
 * and one times ARC's client operations in Chromium (figures in the test's output, ms).
 *
 * Chromium comes from Debian's `chromium` package (`.ci/run` installs it); without it this fails.
 */
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { build } from "esbuild";
import { KemId } from "@oblivious/ohttp";
import { closeServer, listen } from "@oblivious/test-kit";
import { ARC_TOKEN_TYPE, decodeArcToken, parseAuthorization } from "@oblivious/privacypass";
import { STICKERS, startStack, type Stack } from "./stack.js";

const CHROMIUM = "/usr/bin/chromium";
const ENTRY = fileURLToPath(import.meta.resolve("@oblivious/client/browser"));
/** ARC's modules as built (the Node entry's directory); the timing page bundles them for the browser platform. */
const ARC_DIR = fileURLToPath(new URL("./arc/", import.meta.resolve("@oblivious/privacypass")));
const ARC_LIMIT = 10;
/** The timing page's presentation limit: the issuer's default of 100 a day. */
const BENCH_LIMIT = 100;
const run = promisify(execFile);
let stack: Stack;
let page: Server;
let pageUrl: string;
let bundle: string;
let benchBundle: string;

/** A page that runs `body` (the bundle's `ObliviousClient` and the device's credential in scope) and prints what it returns. */
function clientPage(credential: string, body: string): string {
  return `<!doctype html><html><body><pre id="out">pending</pre><script src="/client.js"></script><script>
    (async () => {
      const out = document.getElementById("out");
      try {
        const options = { relayUrl: location.origin + "/relay-hop", issuerUrl: location.origin + "/issuer-hop", credential: () => ${JSON.stringify(credential)}, batchSize: 2, lowWater: 0 };
        out.textContent = "RESULT " + JSON.stringify(await (async () => { ${body} })());
      } catch (e) {
        out.textContent = "ERROR " + (e && e.code ? e.code : String(e));
      }
    })();
  </script></body></html>`;
}

/**
 * ARC's client operations timed in the page, synchronously (no network): a credential request
 * and its finalization (the issuer's response made in the page too, not timed), then Present.
 */
const BENCH_ENTRY = `
  import { generateServerKey } from "./keys.js";
  import { createCredentialRequest } from "./request.js";
  import { createCredentialResponse } from "./response.js";
  import { finalizeCredential } from "./credential.js";
  import { PresentationState } from "./presentation.js";
  import { systemRandom } from "./random.js";
  const rounds = 5, presents = 20;
  const { privateKey, publicKey } = generateServerKey(systemRandom);
  const context = new TextEncoder().encode("chromium-bench");
  let requestMs = 0, finalizeMs = 0, presentMs = 0, credential;
  for (let i = 0; i < rounds; i++) {
    let t = performance.now();
    const pending = createCredentialRequest(context, systemRandom);
    requestMs += performance.now() - t;
    const response = createCredentialResponse(privateKey, publicKey, pending.request, systemRandom);
    t = performance.now();
    credential = finalizeCredential(pending.secrets, publicKey, pending.request, response);
    finalizeMs += performance.now() - t;
  }
  const state = new PresentationState(credential, context, ${BENCH_LIMIT});
  state.present(systemRandom); // warm-up
  const t = performance.now();
  for (let i = 0; i < presents; i++) state.present(systemRandom);
  presentMs = performance.now() - t;
  document.getElementById("out").textContent = "RESULT " + JSON.stringify({ requestMs: requestMs / rounds, finalizeMs: finalizeMs / rounds, presentMs: presentMs / presents, rounds, presents, limit: ${BENCH_LIMIT} });
`;

before(async () => {
  stack = await startStack({ kems: [KemId.MlKem768X25519, KemId.DhkemX25519HkdfSha256], arc: { limit: ARC_LIMIT } });
  const built = await build({ entryPoints: [ENTRY], bundle: true, platform: "browser", format: "iife", globalName: "ObliviousClient", write: false, logLevel: "silent" });
  bundle = built.outputFiles[0]?.text ?? "";
  const bench = await build({ stdin: { contents: BENCH_ENTRY, resolveDir: ARC_DIR, loader: "js" }, bundle: true, platform: "browser", format: "iife", write: false, logLevel: "silent" });
  benchBundle = bench.outputFiles[0]?.text ?? "";
  const type2 = clientPage(
    await stack.mint(`chromium-device-${randomBytes(4).toString("hex")}`),
    `const client = ObliviousClient.createClient({ ...options, tokenType: "2" });
     const result = await client.searchStickers({ q: "cat" });
     return { hits: result.hits, stats: client.stats(), kem: client.kem, node: typeof process + typeof Buffer };`,
  );
  const arc = clientPage(
    await stack.mint(`chromium-arc-device-${randomBytes(4).toString("hex")}`),
    `const client = ObliviousClient.createClient(options);
     const first = await client.searchStickers({ q: "cat" });
     const second = await client.searchStickers({ q: "dog" });
     return { hits: [...first.hits, ...second.hits], stats: client.stats(), remaining: client.tokenCount("https://sticker-search.internal") };`,
  );
  const pages: Record<string, string> = {
    "/": type2,
    "/arc": arc,
    "/arc-bench": `<!doctype html><html><body><pre id="out">pending</pre><script src="/arc-bench.js"></script></body></html>`,
  };
  page = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    const html = pages[url];
    if (html !== undefined) return void res.writeHead(200, { "content-type": "text/html" }).end(html);
    if (url === "/client.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
    if (url === "/arc-bench.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(benchBundle);
    const upstream = url.startsWith("/relay-hop/") ? stack.relayUrl + url.slice("/relay-hop".length) : url.startsWith("/issuer-hop/") ? stack.issuerUrl + url.slice("/issuer-hop".length) : undefined;
    if (upstream === undefined) return void res.writeHead(404).end();
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const headers: Record<string, string> = {};
      for (const name of ["content-type", "accept", "authorization"]) {
        const v = req.headers[name];
        if (typeof v === "string") headers[name] = v;
      }
      const body = chunks.length === 0 ? undefined : new Uint8Array(Buffer.concat(chunks));
      fetch(upstream, { method: req.method ?? "GET", headers, ...(body === undefined ? {} : { body }) })
        .then(async (answer) => {
          const out: Record<string, string> = {};
          answer.headers.forEach((v, k) => (out[k] = v));
          delete out["content-encoding"];
          delete out["transfer-encoding"];
          res.writeHead(answer.status, out).end(Buffer.from(await answer.arrayBuffer()));
        })
        .catch(() => res.writeHead(502).end());
    });
  });
  pageUrl = await listen(page);
});

after(async () => {
  await closeServer(page);
  await stack.stop();
});

/** Loads `path` in headless Chromium and returns what the page printed (after "RESULT "). */
async function inChromium(path: string, virtualTime = true): Promise<unknown> {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  const profile = mkdtempSync(join(tmpdir(), "chromium-"));
  try {
    // --virtual-time-budget: the page's timers run ahead, and the dump waits while fetches are pending.
    // Without it (the timing page, synchronous): real time, and the dump follows the load event.
    const { stdout } = await run(
      CHROMIUM,
      ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, ...(virtualTime ? ["--virtual-time-budget=20000"] : []), "--dump-dom", `${pageUrl}${path}`],
      { timeout: 50_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const out = /<pre id="out">([^<]*)<\/pre>/.exec(stdout)?.[1] ?? "";
    assert.match(out, /^RESULT /, out);
    return JSON.parse(out.slice("RESULT ".length).replace(/&quot;/g, '"').replace(/&amp;/g, "&"));
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

function tokenType(authorization: string): number {
  const bytes = parseAuthorization(authorization);
  assert.ok(bytes !== undefined);
  return ((bytes[0] as number) << 8) | (bytes[1] as number);
}

test("headless Chromium runs the browser bundle: a search through relay and gateway with a type-2 token issued to it", { timeout: 60_000 }, async () => {
  const before = stack.origin.tokens.length;
  const result = (await inChromium("/")) as { hits: unknown[]; stats: { issuanceRequests: number; tokensSent: number; credentialsIssued: number }; kem: string; node: string };
  assert.deepEqual(result.hits, [STICKERS[0]]);
  assert.equal(result.stats.issuanceRequests, 1, "tokens issued to the browser in one batch");
  assert.equal(result.stats.credentialsIssued, 0);
  assert.equal(result.stats.tokensSent, 1);
  assert.equal(result.node, "undefinedundefined", "a browser: no process, no Buffer");
  assert.equal(result.kem, "x-wing", "the browser sealed its requests to the gateway's X-Wing key");
  const presented = stack.origin.tokens.slice(before);
  assert.equal(presented.length, 1, "the origin received the browser's token");
  assert.equal(tokenType(presented[0] ?? ""), 2);
});

test("headless Chromium presents ARC where the origin offers it: one credential from the issuer, a fresh presentation per search", { timeout: 60_000 }, async () => {
  const before = stack.origin.tokens.length;
  const result = (await inChromium("/arc")) as { hits: unknown[]; stats: { issuanceRequests: number; tokensIssued: number; credentialsIssued: number; tokensSent: number }; remaining: number };
  assert.deepEqual(result.hits, [STICKERS[0], STICKERS[1]], "both searches found their stickers");
  assert.deepEqual(
    { issuance: result.stats.issuanceRequests, credentials: result.stats.credentialsIssued, tokens: result.stats.tokensIssued, sent: result.stats.tokensSent },
    { issuance: 1, credentials: 1, tokens: 0, sent: 2 },
  );
  assert.equal(result.remaining, ARC_LIMIT - 2);
  const presented = stack.origin.tokens.slice(before);
  assert.equal(presented.length, 2);
  assert.deepEqual(presented.map(tokenType), [ARC_TOKEN_TYPE, ARC_TOKEN_TYPE], "the origin saw ARC tokens (0xE5AC)");
  const decoded = presented.map((a) => decodeArcToken(parseAuthorization(a) ?? new Uint8Array(0), ARC_LIMIT));
  assert.deepEqual(decoded.map((d) => d.presentationNonce), [0, 1], "the nonce moves forward");
  assert.notDeepEqual(decoded[0]?.presentation.tag.toBytes(true), decoded[1]?.presentation.tag.toBytes(true), "two tags");
});

test("ARC's client operations in Chromium: credential request and finalization, Present (ms, printed)", { timeout: 60_000 }, async () => {
  const r = (await inChromium("/arc-bench", false)) as { requestMs: number; finalizeMs: number; presentMs: number; rounds: number; presents: number; limit: number };
  for (const ms of [r.requestMs, r.finalizeMs, r.presentMs]) assert.ok(Number.isFinite(ms) && ms > 0, JSON.stringify(r));
  console.log(`# chromium ARC (rate-limit ${r.limit}): request ${r.requestMs.toFixed(1)} ms + finalize ${r.finalizeMs.toFixed(1)} ms (mean of ${r.rounds}), present ${r.presentMs.toFixed(1)} ms (mean of ${r.presents})`);
});
