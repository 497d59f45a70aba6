/**
 * DEVELOPMENT ONLY: a local stand-in for the messenger's account system, which in production
 * signs device credentials with keys the issuer never holds. It creates (once) an Ed25519 signer
 * and the matching JWKS in a directory, and mints credentials that an issuer configured with that
 * JWKS, issuer and audience accepts. Its files say DEVELOPMENT-ONLY in their names and contents;
 * nothing in the issuer's production path imports this module.
 */
import { createPrivateKey, generateKeyPairSync, randomBytes, type KeyObject } from "node:crypto";
import { existsSync, linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { SignJWT, calculateJwkThumbprint, type JWK } from "jose";

export const DEV_ATTESTER_ISSUER = "https://dev-attester.invalid/DEVELOPMENT-ONLY";
/** The issuer's default ATTESTER_AUDIENCE (its default ISSUER_NAME). */
export const DEV_ATTESTER_AUDIENCE = "issuer.internal";
export const DEV_ATTESTER_PRIVATE_FILE = "dev-attester.DEVELOPMENT-ONLY.private-key.json";
export const DEV_ATTESTER_JWKS_FILE = "dev-attester.DEVELOPMENT-ONLY.jwks.json";
const NOTICE = "DEVELOPMENT ONLY: a local device-credential signer for `npm start` and tests. Never deploy it.";

export interface DevAttester {
  /** The JWKS to configure as ATTESTER_JWKS_FILE. */
  readonly jwksFile: string;
  /** ATTESTER_ISSUER. */
  readonly issuer: string;
  /** ATTESTER_AUDIENCE. */
  readonly audience: string;
  /**
   * A credential for `deviceId`, valid for `ttlSeconds` (default one hour). `claims` adds what an
   * account system might also put in (an account id, say); the issuer reads none of them.
   */
  mint(deviceId: string, ttlSeconds?: number, claims?: Readonly<Record<string, string | number>>): Promise<string>;
}

interface PrivateFile {
  readonly notice: string;
  readonly jwk: JWK;
}

/** Writes a file only if it does not exist yet, atomically (a racing process writes the same kind of file). */
function createOnce(path: string, text: string, mode: number): void {
  const temp = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temp, text, { mode, flag: "wx" });
  try {
    linkSync(temp, path);
  } catch (e) {
    if ((e as { code?: unknown }).code !== "EEXIST") throw e;
  } finally {
    unlinkSync(temp);
  }
}

async function ensurePrivateKey(path: string): Promise<JWK> {
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync("ed25519");
    const jwk = privateKey.export({ format: "jwk" }) as JWK;
    const kid = await calculateJwkThumbprint({ kty: "OKP", crv: "Ed25519", x: jwk.x ?? "" });
    const file: PrivateFile = { notice: NOTICE, jwk: { ...jwk, kid, alg: "EdDSA", use: "sig" } };
    createOnce(path, `${JSON.stringify(file, null, 2)}\n`, 0o600);
  }
  const file = JSON.parse(readFileSync(path, "utf8")) as PrivateFile;
  if (file.jwk.kty !== "OKP" || file.jwk.crv !== "Ed25519" || typeof file.jwk.d !== "string") throw new TypeError("dev attester key file is not an Ed25519 key");
  return file.jwk;
}

export interface DevAttesterOptions {
  /** The clock for `iat` and `exp`, in ms since the epoch. */
  readonly now?: () => number;
}

/** DEVELOPMENT ONLY. Creates the signer and JWKS in `dir` on first use, then reuses them. */
export async function createDevAttester(dir: string, options: DevAttesterOptions = {}): Promise<DevAttester> {
  const now = options.now ?? Date.now;
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const jwk = await ensurePrivateKey(join(dir, DEV_ATTESTER_PRIVATE_FILE));
  const jwksFile = join(dir, DEV_ATTESTER_JWKS_FILE);
  const publicJwk = { kty: "OKP", crv: "Ed25519", x: jwk.x, kid: jwk.kid, alg: "EdDSA", use: "sig" };
  const jwks = `${JSON.stringify({ notice: NOTICE, keys: [publicJwk] }, null, 2)}\n`;
  if (!existsSync(jwksFile) || readFileSync(jwksFile, "utf8") !== jwks) writeFileSync(jwksFile, jwks, { mode: 0o644 });
  const key: KeyObject = createPrivateKey({ key: { kty: "OKP", crv: "Ed25519", x: jwk.x ?? "", d: jwk.d ?? "" }, format: "jwk" });
  return {
    jwksFile,
    issuer: DEV_ATTESTER_ISSUER,
    audience: DEV_ATTESTER_AUDIENCE,
    async mint(deviceId, ttlSeconds = 3600, claims = {}) {
      const iat = Math.floor(now() / 1000);
      return new SignJWT({ ...claims })
        .setProtectedHeader({ alg: "EdDSA", kid: jwk.kid ?? "", typ: "JWT" })
        .setSubject(deviceId)
        .setIssuer(DEV_ATTESTER_ISSUER)
        .setAudience(DEV_ATTESTER_AUDIENCE)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSeconds)
        .sign(key);
    },
  };
}
