/**
 * The browser entry in a real browser: headless Chromium loads a page that runs the bundled
 * `@oblivious/client/browser` (the SDK on the project's own protocol libraries, with their @noble
 * primitives) and searches through the real relay, gateway, issuer and a token-gated origin. The
 * gateway lists an X-Wing and an X25519 key; the browser must seal to the X-Wing one. The page's server is one origin for the page,
 * the relay and the issuer (it passes their requests through unchanged), as an app's own origin
 * or the relay's CORS would be in production.
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
import { STICKERS, startStack, type Stack } from "./stack.js";

const CHROMIUM = "/usr/bin/chromium";
const ENTRY = fileURLToPath(import.meta.resolve("@oblivious/client/browser"));
const run = promisify(execFile);
let stack: Stack;
let page: Server;
let pageUrl: string;
let bundle: string;

before(async () => {
  stack = await startStack({ kems: [KemId.MlKem768X25519, KemId.DhkemX25519HkdfSha256] });
  const built = await build({ entryPoints: [ENTRY], bundle: true, platform: "browser", format: "iife", globalName: "ObliviousClient", write: false, logLevel: "silent" });
  bundle = built.outputFiles[0]?.text ?? "";
  const credential = await stack.mint(`chromium-device-${randomBytes(4).toString("hex")}`);
  const html = `<!doctype html><html><body><pre id="out">pending</pre><script src="/client.js"></script><script>
    (async () => {
      const out = document.getElementById("out");
      try {
        const client = ObliviousClient.createClient({ relayUrl: location.origin + "/relay-hop", issuerUrl: location.origin + "/issuer-hop", credential: () => ${JSON.stringify(credential)}, batchSize: 2, lowWater: 0 });
        const result = await client.searchStickers({ q: "cat" });
        out.textContent = "RESULT " + JSON.stringify({ hits: result.hits, stats: client.stats(), kem: client.kem, node: typeof process + typeof Buffer });
      } catch (e) {
        out.textContent = "ERROR " + (e && e.code ? e.code : String(e));
      }
    })();
  </script></body></html>`;
  page = createServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? "/";
    if (url === "/") return void res.writeHead(200, { "content-type": "text/html" }).end(html);
    if (url === "/client.js") return void res.writeHead(200, { "content-type": "text/javascript" }).end(bundle);
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

test("headless Chromium runs the browser bundle: a search through relay and gateway with a token issued to it", { timeout: 60_000 }, async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: install Debian's chromium package (.ci/run does)`);
  const profile = mkdtempSync(join(tmpdir(), "chromium-"));
  try {
    // --virtual-time-budget: the page's timers run ahead, and the dump waits while fetches are pending.
    const { stdout } = await run(
      CHROMIUM,
      ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--virtual-time-budget=20000", "--dump-dom", `${pageUrl}/`],
      { timeout: 50_000, maxBuffer: 16 * 1024 * 1024 },
    );
    const out = /<pre id="out">([^<]*)<\/pre>/.exec(stdout)?.[1] ?? "";
    assert.match(out, /^RESULT /, out);
    const result = JSON.parse(out.slice("RESULT ".length).replace(/&quot;/g, '"').replace(/&amp;/g, "&")) as { hits: unknown[]; stats: { issuanceRequests: number; tokensSent: number }; kem: string; node: string };
    assert.deepEqual(result.hits, [STICKERS[0]]);
    assert.equal(result.stats.issuanceRequests, 1, "tokens issued to the browser in one batch");
    assert.equal(result.stats.tokensSent, 1);
    assert.equal(result.node, "undefinedundefined", "a browser: no process, no Buffer");
    assert.equal(result.kem, "x-wing", "the browser sealed its requests to the gateway's X-Wing key");
    assert.equal(stack.origin.tokens.length > 0, true, "the origin received the browser's token");
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
});
