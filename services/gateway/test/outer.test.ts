/**
 * The public endpoints and every error found BEFORE decryption: plain problem+json answers
 * (RFC 9458 §5.2), with the uniform key answer of §5.3 for unknown keys and failed decryptions.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { encodeRequest } from "@oblivious/bhttp";
import { AeadId, GatewayKey, KdfId, MediaType, decodeKeyConfigs, encapsulateRequest, type KeyConfig } from "@oblivious/ohttp";
import { PROBLEM_MEDIA_TYPE } from "@oblivious/service-kit";
import { OHTTP_KEY_PROBLEM_TYPE } from "../src/errors.js";
import { fetchKeyConfigs, innerRequest, oneKeyFile, send, startTarget, startTestGateway, tempDir, T0, type RawAnswer } from "./helpers.js";

async function setup(env: Record<string, string> = {}) {
  const target = await startTarget();
  const keys = oneKeyFile(tempDir(), 7);
  const t = await startTestGateway({ GATEWAY_KEYS_FILE: keys.path, GATEWAY_TARGETS: `https://sticker-search.internal=${target.url}`, ...env });
  const [config] = await fetchKeyConfigs(t.gw.url);
  assert.ok(config);
  return { target, t, config, url: t.gw.url, close: async () => (await t.stop(), await target.close()) };
}

function problem(a: RawAnswer): Record<string, unknown> {
  assert.equal(a.headers.get("content-type"), PROBLEM_MEDIA_TYPE);
  return JSON.parse(a.body.toString("utf8")) as Record<string, unknown>;
}

const post = (url: string, body: Uint8Array, contentType: string = MediaType.OhttpRequest): Promise<RawAnswer> =>
  send(url, { method: "POST", headers: { "content-type": contentType }, body });

test("key configurations: GET on both paths gives the same application/ohttp-keys bytes, cacheable; HEAD has no body", async () => {
  const { url, close } = await setup();
  try {
    const a = await send(`${url}/ohttp-keys`);
    const b = await send(`${url}/.well-known/ohttp-gateway`, { headers: { accept: MediaType.OhttpKeys } });
    assert.equal(a.status, 200);
    assert.equal(a.headers.get("content-type"), MediaType.OhttpKeys);
    assert.deepEqual(a.body, b.body);
    assert.match(a.headers.get("cache-control") ?? "", /^public, max-age=3600$/);
    const [config] = decodeKeyConfigs(a.body);
    assert.equal(config?.keyId, 7);
    const head = await send(`${url}/ohttp-keys`, { method: "HEAD" });
    assert.equal(head.status, 200);
    assert.equal(head.body.length, 0);
    assert.equal(head.headers.get("content-length"), String(a.body.length));
  } finally {
    await close();
  }
});

test("outer 405 with Allow, per endpoint; 404 elsewhere", async () => {
  const { url, close } = await setup();
  try {
    const cases: [string, string, string][] = [
      ["GET", "/gateway", "POST"],
      ["PUT", "/gateway", "POST"],
      ["DELETE", "/.well-known/ohttp-gateway", "GET, HEAD, POST"],
      ["PATCH", "/.well-known/ohttp-gateway", "GET, HEAD, POST"],
      ["POST", "/ohttp-keys", "GET, HEAD"],
    ];
    for (const [method, path, allow] of cases) {
      const a = await send(`${url}${path}`, { method });
      assert.equal(a.status, 405, `${method} ${path}`);
      assert.equal(a.headers.get("allow"), allow, `${method} ${path}`);
      assert.equal(problem(a)["status"], 405);
    }
    for (const [method, path] of [["GET", "/"], ["POST", "/relay"], ["POST", "/GATEWAY"], ["POST", "/gateway/"]] as const) {
      const a = await send(`${url}${path}`, { method, headers: { "content-type": MediaType.OhttpRequest }, ...(method === "POST" ? { body: "x" } : {}) });
      assert.equal(a.status, 404, `${method} ${path}`);
      assert.equal(problem(a)["title"], "Not Found");
    }
  } finally {
    await close();
  }
});

test("outer 415 for a wrong content type, 413 over the body limit, 400 for malformed bytes", async () => {
  const { url, config, target, close } = await setup({ GATEWAY_MAX_REQUEST: "2KiB" });
  try {
    const { encapsulatedRequest } = encapsulateRequest(config, encodeRequest(innerRequest(T0)));
    const wrongType = await post(`${url}/gateway`, encapsulatedRequest, "application/octet-stream");
    assert.equal(wrongType.status, 415);
    assert.equal(problem(wrongType)["status"], 415);
    const noType = await send(`${url}/gateway`, { method: "POST", body: encapsulatedRequest });
    assert.equal(noType.status, 415);
    // Parameters do not matter (RFC 9110 §8.3.1); the media type does.
    assert.equal((await post(`${url}/gateway`, encapsulatedRequest, "message/ohttp-req; x=1")).status, 200);

    const tooLarge = await post(`${url}/gateway`, new Uint8Array(2049));
    assert.equal(tooLarge.status, 413);
    assert.equal(problem(tooLarge)["status"], 413);

    const malformed = await post(`${url}/gateway`, Uint8Array.of(7, 0, 0x20, 0, 1, 0, 1));
    assert.equal(malformed.status, 400);
    assert.deepEqual(problem(malformed), { type: "tag:oblivious-services,2026:problem/ohttp-malformed", title: "malformed encapsulated request", status: 400 });
    assert.equal(target.received.length, 1, "only the well-formed request was forwarded");
  } finally {
    await close();
  }
});

test("outer: unknown key, unsupported suite and failed decryption get ONE answer, byte for byte (RFC 9458 §5.3)", async () => {
  const { url, config, target, close } = await setup();
  try {
    const bhttp = encodeRequest(innerRequest(T0));
    const unknownKey: KeyConfig = GatewayKey.generate(99, [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes128Gcm }]).config;
    // The gateway's own key, but a KDF and AEAD pair it does not accept.
    const otherSuite: KeyConfig = { ...config, symmetricAlgorithms: [{ kdfId: KdfId.HkdfSha256, aeadId: AeadId.Aes256Gcm }] };
    const good = encapsulateRequest(config, bhttp).encapsulatedRequest;
    const tampered = Uint8Array.from(good);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    const wrongEnc = Uint8Array.from(good);
    wrongEnc[7] = (wrongEnc[7] ?? 0) ^ 0x40;

    const answers = [
      await post(`${url}/gateway`, encapsulateRequest(unknownKey, bhttp).encapsulatedRequest),
      await post(`${url}/gateway`, encapsulateRequest(otherSuite, bhttp).encapsulatedRequest),
      await post(`${url}/gateway`, tampered),
      await post(`${url}/.well-known/ohttp-gateway`, wrongEnc),
    ];
    const first = answers[0];
    assert.ok(first);
    assert.equal(first.status, 400);
    assert.deepEqual(problem(first), { type: OHTTP_KEY_PROBLEM_TYPE, title: "key identifier unknown", status: 400 });
    for (const a of answers) {
      assert.equal(a.status, first.status);
      assert.deepEqual(a.body, first.body, "identical bytes");
      for (const h of ["content-type", "content-length", "cache-control"]) assert.equal(a.headers.get(h), first.headers.get(h));
    }
    assert.equal(target.received.length, 0);
  } finally {
    await close();
  }
});
