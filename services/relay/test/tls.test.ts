/**
 * An https gateway (the usual case: relay and gateway belong to different operators): the relay
 * verifies the gateway's certificate against the process's trust store, as node:https did. A
 * relay process that trusts the gateway's (self-signed, test-made) certificate relays; one that
 * does not answers 502 and sends nothing. The certificate comes from the openssl command.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { createServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { delay, post, startTestRelay } from "./support.js";

function selfSigned(dir: string): { key: Buffer; cert: Buffer; certFile: string } {
  const keyFile = join(dir, "key.pem");
  const certFile = join(dir, "cert.pem");
  execFileSync(
    "openssl",
    ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj", "/CN=localhost"]
      .concat(["-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-keyout", keyFile, "-out", certFile]),
    { stdio: "ignore" },
  );
  return { key: readFileSync(keyFile), cert: readFileSync(certFile), certFile };
}

test("https gateway: a trusted certificate relays (by IP and by name); an untrusted one is a 502 and nothing is sent", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), "relay-tls-"));
  const { key, cert, certFile } = selfSigned(dir);
  const received: string[] = [];
  const server = createServer({ key, cert }, (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      received.push(body.toString());
      res.writeHead(200, { "content-type": "message/ohttp-res", "content-length": body.length }).end(Buffer.from(body).reverse());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  const main = fileURLToPath(new URL("../src/main.js", import.meta.url));
  const children: ReturnType<typeof spawn>[] = [];
  t.after(async () => {
    for (const c of children) c.kill("SIGTERM");
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    rmSync(dir, { recursive: true, force: true });
  });

  for (const host of ["127.0.0.1", "localhost"]) {
    const child = spawn(process.execPath, [main], {
      env: { PATH: process.env["PATH"] ?? "", NODE_EXTRA_CA_CERTS: certFile, RELAY_PORT: "0", RELAY_ADMIN_PORT: "0", RELAY_GATEWAY_URL: `https://${host}:${port}/gateway` },
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(child);
    let out = "";
    child.stdout?.on("data", (c: Buffer) => (out += c.toString()));
    while (out.split('"service.listening"').length < 3) await delay(20);
    const listening = out
      .split("\n")
      .filter((l) => l.includes('"service.listening"'))
      .map((l) => JSON.parse(l) as { port: number; admin: boolean });
    const relayPort = listening.find((l) => !l.admin)?.port;
    const answer = await post(`http://127.0.0.1:${relayPort}`, Buffer.from(`over tls to ${host}`));
    assert.equal(answer.status, 200, host);
    assert.equal(answer.text, `over tls to ${host}`.split("").reverse().join(""));
  }
  assert.deepEqual(received, ["over tls to 127.0.0.1", "over tls to localhost"]);

  // This test process does not trust the certificate.
  const { relay, logs } = await startTestRelay({ RELAY_GATEWAY_URL: `https://127.0.0.1:${port}/gateway` });
  t.after(() => relay.stop());
  const refused = await post(relay.url, Buffer.from("must not arrive"));
  assert.equal(refused.status, 502);
  assert.equal((JSON.parse(refused.text) as { type: string }).type, "tag:oblivious-services,2026:problem/gateway-unreachable");
  assert.equal(logs.events("forward.failed")[0]?.["reason"], "unreachable");
  assert.equal(received.length, 2, "nothing reached a gateway the relay could not verify");
});
