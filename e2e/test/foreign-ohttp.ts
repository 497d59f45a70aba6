/**
 * An OHTTP client and gateway made only of code nobody on this project wrote: `@hpke/core` for
 * HPKE, `bhttp-js` for Binary HTTP, and WebCrypto for the response key derivation of RFC 9458
 * §4.4. The interoperability tests pit our relay and gateway against the client, and our client
 * against the gateway. Byte layouts are written out from the RFC here, on purpose not imported.
 *
 * bhttp-js 0.2.1 drops the query string of requests (docs/decisions/0018-foreign-client-quirks.md),
 * so routing assertions in the
 * tests never depend on a query passing through it.
 */
import { createServer, type Server } from "node:http";
import { generateKeyPairSync, type webcrypto } from "node:crypto";
import { CipherSuite, DhkemX25519HkdfSha256, HkdfSha256, Aes128Gcm } from "@hpke/core";
import { BHttpDecoder, BHttpEncoder } from "bhttp-js";

const te = new TextEncoder();
const REQUEST_LABEL = te.encode("message/bhttp request");
const RESPONSE_LABEL = te.encode("message/bhttp response");
const KEM = 0x0020;
const KDF = 0x0001;
const AEAD = 0x0001; // AES-128-GCM
const NK = 16;
const NN = 12;
const NENC = 32;

function cat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function header(keyId: number): Uint8Array {
  return Uint8Array.of(keyId, KEM >> 8, KEM & 0xff, KDF >> 8, KDF & 0xff, AEAD >> 8, AEAD & 0xff);
}

function suite(): CipherSuite {
  return new CipherSuite({ kem: new DhkemX25519HkdfSha256(), kdf: new HkdfSha256(), aead: new Aes128Gcm() });
}

/** RFC 9458 §4.4: key and nonce from the exported secret, salted with enc || response_nonce. */
async function responseKey(secret: ArrayBuffer, enc: Uint8Array, responseNonce: Uint8Array, usage: webcrypto.KeyUsage): Promise<{ key: webcrypto.CryptoKey; nonce: Uint8Array }> {
  const ikm = await crypto.subtle.importKey("raw", secret, "HKDF", false, ["deriveBits"]);
  const salt = cat(enc, responseNonce);
  const keyBits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info: te.encode("key") }, ikm, NK * 8);
  const nonceBits = await crypto.subtle.deriveBits({ name: "HKDF", hash: "SHA-256", salt, info: te.encode("nonce") }, ikm, NN * 8);
  const key = await crypto.subtle.importKey("raw", keyBits, "AES-GCM", false, [usage]);
  return { key, nonce: new Uint8Array(nonceBits) };
}

/** Parses the first key configuration of an `application/ohttp-keys` body (RFC 9458 §3.2). */
export function firstKeyConfig(keys: Uint8Array): { keyId: number; publicKey: Uint8Array } {
  const length = ((keys[0] ?? 0) << 8) | (keys[1] ?? 0);
  const config = keys.subarray(2, 2 + length);
  const kem = ((config[1] ?? 0) << 8) | (config[2] ?? 0);
  if (kem !== KEM) throw new Error("foreign client: unexpected KEM");
  return { keyId: config[0] ?? 0, publicKey: config.slice(3, 3 + 32) };
}

export interface ForeignExchange {
  readonly body: Uint8Array;
  readonly open: (encapsulatedResponse: Uint8Array) => Promise<Response>;
}

/** The foreign client: seals a fetch `Request` for the given key configuration. */
export async function foreignEncapsulate(keys: Uint8Array, request: Request): Promise<ForeignExchange> {
  const { keyId, publicKey } = firstKeyConfig(keys);
  const s = suite();
  const hdr = header(keyId);
  const sender = await s.createSenderContext({
    recipientPublicKey: await s.kem.deserializePublicKey(publicKey),
    info: cat(REQUEST_LABEL, Uint8Array.of(0), hdr),
  });
  const inner = await new BHttpEncoder().encodeRequest(request);
  const ct = new Uint8Array(await sender.seal(inner));
  const enc = new Uint8Array(sender.enc);
  const secret = await sender.export(RESPONSE_LABEL, Math.max(NN, NK));
  return {
    body: cat(hdr, enc, ct),
    open: async (answer) => {
      const responseNonce = answer.subarray(0, Math.max(NN, NK));
      const { key, nonce } = await responseKey(secret, enc, responseNonce, "decrypt");
      const plain = new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: nonce }, key, answer.subarray(responseNonce.length)));
      return new BHttpDecoder().decodeResponse(plain);
    },
  };
}

export interface ForeignGateway {
  readonly url: string;
  /** The key configuration it publishes, as `application/ohttp-keys`. */
  readonly keys: Uint8Array;
  /** The inner requests it decrypted, as bhttp-js decoded them. */
  readonly received: { method: string; url: string; headers: [string, string][]; body: string }[];
  readonly close: () => Promise<void>;
}

/**
 * The foreign gateway: `POST /gateway` opens the request with @hpke/core, answers it itself
 * with `answer` (no forwarding), and seals the response. Key id 7, AES-128-GCM only.
 */
export async function startForeignGateway(answer: (req: Request) => Response): Promise<ForeignGateway> {
  const { privateKey, publicKey } = generateKeyPairSync("x25519");
  const sk = Buffer.from(privateKey.export({ format: "jwk" }).d ?? "", "base64url");
  const pk = Buffer.from(publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const keyId = 7;
  const config = cat(header(keyId).subarray(0, 3), pk, Uint8Array.of(0, 4, KDF >> 8, KDF & 0xff, AEAD >> 8, AEAD & 0xff));
  const keys = cat(Uint8Array.of(config.length >> 8, config.length & 0xff), config);
  const s = suite();
  const recipientKey = await s.kem.importKey("raw", sk, false);
  const received: ForeignGateway["received"] = [];

  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const body = new Uint8Array(Buffer.concat(chunks));
        if (req.method === "GET" && req.url === "/ohttp-keys") {
          res.writeHead(200, { "content-type": "application/ohttp-keys" }).end(keys);
          return;
        }
        if (req.headers["content-type"] !== "message/ohttp-req" || body[0] !== keyId) {
          res.writeHead(400).end();
          return;
        }
        const hdr = body.subarray(0, 7);
        const enc = body.slice(7, 7 + NENC);
        const recipient = await s.createRecipientContext({ recipientKey, enc, info: cat(REQUEST_LABEL, Uint8Array.of(0), hdr) });
        const innerBytes = new Uint8Array(await recipient.open(body.subarray(7 + NENC)));
        const inner = new BHttpDecoder().decodeRequest(innerBytes);
        received.push({
          method: inner.method,
          url: inner.url,
          headers: [...inner.headers.entries()],
          body: await inner.text(),
        });
        const plain = await new BHttpEncoder().encodeResponse(answer(inner));
        const secret = await recipient.export(RESPONSE_LABEL, Math.max(NN, NK));
        const responseNonce = crypto.getRandomValues(new Uint8Array(Math.max(NN, NK)));
        const { key, nonce } = await responseKey(secret, enc, responseNonce, "encrypt");
        const sealed = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: nonce }, key, plain));
        res.writeHead(200, { "content-type": "message/ohttp-res" }).end(cat(responseNonce, sealed));
      })().catch(() => res.writeHead(500).end());
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    keys,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
