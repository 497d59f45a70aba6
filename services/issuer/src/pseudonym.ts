/**
 * Keyed pseudonyms of device ids (docs/design.md: the issuer "stores only keyed pseudonyms of device
 * ids, with expiry"): HMAC-SHA256(pseudonym key, device id), in base64url. Without the key,
 * which lives in a secret (ISSUER_PSEUDONYM_KEY_FILE or ISSUER_PSEUDONYM_KEY), a stored
 * pseudonym cannot be linked to a device id by trying candidate ids.
 *
 * Key format: at least 32 random bytes in base64url or base64 (padding optional), one line.
 */
import { createHmac, randomBytes, type KeyObject, createSecretKey } from "node:crypto";
import { existsSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { ConfigError } from "@oblivious/service-kit";
import { PSEUDONYM_KEY_FILE_VARIABLE, PSEUDONYM_KEY_VARIABLE, type SecretSource } from "./config.js";

export const MIN_PSEUDONYM_KEY_BYTES = 32;
const ENCODED = /^[A-Za-z0-9_\-+/]+={0,2}$/;

export interface Pseudonyms {
  /** The pseudonym of a device id: 43 base64url characters. */
  of(deviceId: string): string;
}

export function parsePseudonymKey(text: string): KeyObject {
  const trimmed = text.trim();
  if (!ENCODED.test(trimmed)) throw new TypeError("must be base64url or base64");
  const bytes = Buffer.from(trimmed.replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""), "base64url");
  if (bytes.length < MIN_PSEUDONYM_KEY_BYTES) throw new TypeError(`must hold at least ${MIN_PSEUDONYM_KEY_BYTES} bytes`);
  return createSecretKey(bytes);
}

export function createPseudonyms(key: KeyObject): Pseudonyms {
  return { of: (deviceId) => createHmac("sha256", key).update(deviceId, "utf8").digest("base64url") };
}

/** Loads the key at start-up; a problem is a ConfigError naming the variable, never its value. */
export async function loadPseudonyms(source: SecretSource): Promise<Pseudonyms> {
  const variable = source.kind === "file" ? PSEUDONYM_KEY_FILE_VARIABLE : PSEUDONYM_KEY_VARIABLE;
  let text: string;
  try {
    text = source.kind === "file" ? await readFile(source.path, "utf8") : source.text.reveal();
  } catch {
    throw new ConfigError([{ variable, reason: "cannot read the pseudonym key file" }]);
  }
  try {
    return createPseudonyms(parsePseudonymKey(text));
  } catch (e) {
    throw new ConfigError([{ variable, reason: e instanceof TypeError ? e.message : "is not a usable key" }]);
  }
}

/** A fresh 32-byte pseudonym key file (0600); refuses to overwrite one. */
export function generatePseudonymKeyFile(path: string): void {
  if (existsSync(path)) throw new TypeError("pseudonym key file already exists; refusing to overwrite it");
  writeFileSync(path, `${randomBytes(MIN_PSEUDONYM_KEY_BYTES).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
}
