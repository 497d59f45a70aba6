/**
 * DEVELOPMENT ONLY: ARC keys for the local stack (decision 0031: one ARC key per token-gated
 * origin). For each origin, under the dev directory:
 *
 *   arc-keys-<origin>.json                       the issuer's key file for that origin (ISSUER_ARC_KEYS_FILES)
 *   arc-key-<origin>.DEVELOPMENT-ONLY.txt        the origin's copy: its current private key in base64url (TOKEN_ARC_KEY_FILE)
 *
 * Key files are created once (a .dev made before ARC gets them added) with truncated issuer key
 * ids distinct across origins; the origin's copy is rewritten when the current key changed.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { generateKeyFile, readKeyFile, writeFileAtomic } from "@oblivious/service-kit";
import { arcKeyFileSpec, originKeyText, type ArcIssuerKey } from "./arc-keys.js";

/** The token-gated origins of the local stack. */
export const DEV_ARC_ORIGINS = ["sticker-search", "telemetry"] as const;
export type DevArcOrigin = (typeof DEV_ARC_ORIGINS)[number];

export interface DevArcFiles {
  /** The issuer's key file per origin. */
  readonly issuerFiles: Readonly<Record<DevArcOrigin, string>>;
  /** The origin's private key file (TOKEN_ARC_KEY_FILE) per origin. */
  readonly originKeyFiles: Readonly<Record<DevArcOrigin, string>>;
}

export function prepareDevArcKeys(devDir: string, now: Date): DevArcFiles {
  const issuerFiles = {} as Record<DevArcOrigin, string>;
  const originKeyFiles = {} as Record<DevArcOrigin, string>;
  const loaded: ArcIssuerKey[] = [];
  for (const origin of DEV_ARC_ORIGINS) {
    const file = join(devDir, `arc-keys-${origin}.json`);
    const spec = arcKeyFileSpec(() => loaded);
    if (!existsSync(file)) generateKeyFile(spec, file, now);
    const keys = readKeyFile(spec, file, now.getTime());
    loaded.push(...keys);
    const originFile = join(devDir, `arc-key-${origin}.DEVELOPMENT-ONLY.txt`);
    const text = originKeyText(keys, now.getTime());
    if (text !== undefined && (!existsSync(originFile) || readFileSync(originFile, "utf8") !== text)) writeFileAtomic(originFile, text);
    issuerFiles[origin] = file;
    originKeyFiles[origin] = originFile;
  }
  return { issuerFiles, originKeyFiles };
}
