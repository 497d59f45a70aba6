/**
 * BlindSign, RFC 9474 Section 4.3, through @cloudflare/blindrsa-ts (the "library path"): pure
 * JavaScript big integers without CRT, far too slow to sign with
 * (docs/decisions/0003-native-blind-signing.md). It serves as an independent oracle in tests and
 * as the baseline of the signing benchmark; an issuer must not sign on it. The library checks
 * m' = RSAVP1(pk, s) itself; the input length is checked here, as step 1 requires and the
 * library does not.
 */
import { webcrypto } from "node:crypto";
import type { KeyObject, webcrypto as WebCrypto } from "node:crypto";
import { RSABSSA } from "@cloudflare/blindrsa-ts";
import { PrivacyPassError, PrivacyPassErrorCode } from "./errors.js";
import { asRsaPrivateKey, isRsaKey, rsaPublicComponents } from "./rsa-key.js";

const suite = RSABSSA.SHA384.PSS.Deterministic({ supportsRSARAW: false });
const imported = new WeakMap<KeyObject, Promise<WebCrypto.CryptoKey>>();

function importForLibrary(privateKey: KeyObject): Promise<WebCrypto.CryptoKey> {
  let key = imported.get(privateKey);
  if (key === undefined) {
    const pkcs8 = asRsaPrivateKey(privateKey).export({ format: "der", type: "pkcs8" });
    key = webcrypto.subtle.importKey("pkcs8", pkcs8, { name: "RSA-PSS", hash: "SHA-384" }, true, ["sign"]);
    imported.set(privateKey, key);
  }
  return key;
}

export async function blindSignWithLibrary(privateKey: KeyObject, blindedMsg: Uint8Array): Promise<Uint8Array> {
  if (!isRsaKey(privateKey) || privateKey.type !== "private") throw new PrivacyPassError(PrivacyPassErrorCode.InvalidKey, "not an RSA private key");
  const { n } = rsaPublicComponents(privateKey);
  if (!(blindedMsg instanceof Uint8Array) || blindedMsg.length !== n.length) {
    throw new PrivacyPassError(PrivacyPassErrorCode.InvalidInput, "unexpected input size");
  }
  if (Buffer.compare(Buffer.from(blindedMsg), Buffer.from(n)) >= 0) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidInput, "invalid message");
  const key = await importForLibrary(privateKey);
  try {
    // A copy at offset 0: the library reads its input as a whole ArrayBuffer in places.
    return new Uint8Array(await suite.blindSign(key, new Uint8Array(blindedMsg)));
  } catch {
    throw new PrivacyPassError(PrivacyPassErrorCode.SigningFailure);
  }
}
