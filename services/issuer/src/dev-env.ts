/**
 * DEVELOPMENT ONLY: the files a local issuer needs, created once under a dev directory (the
 * local stack's `.dev/`) and reused, and the environment that points the issuer at them. A laptop
 * only; production mounts the key file, the pseudonym key and the account system's JWKS from
 * secrets (see README.md).
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { prepareDevArcKeys, type DevArcOrigin } from "./dev-arc.js";
import { createDevAttester } from "./dev-attester.js";
import { generateIssuerKeyFile } from "./key-file.js";
import { generatePseudonymKeyFile } from "./pseudonym.js";

export interface DevIssuerFiles {
  readonly keysFile: string;
  readonly pseudonymKeyFile: string;
  readonly jwksFile: string;
  /** Each token-gated origin's ARC private key file, for its TOKEN_ARC_KEY_FILE (dev-arc.ts). */
  readonly arcOriginKeyFiles: Readonly<Record<DevArcOrigin, string>>;
  /** The issuer's ARC key file of each token-gated origin (ISSUER_ARC_KEYS_FILES, dev-arc.ts). */
  readonly arcIssuerKeyFiles: Readonly<Record<DevArcOrigin, string>>;
  /**
   * ISSUER_KEYS_FILE, ISSUER_PSEUDONYM_KEY_FILE, ATTESTER_JWKS_FILE, ATTESTER_ISSUER,
   * ATTESTER_AUDIENCE, ISSUER_ARC_KEYS_FILES, and ISSUER_ARC_QUOTA (1000: every run of the search
   * command is a new client that fetches a credential).
   */
  readonly env: Readonly<Record<string, string>>;
}

export async function prepareDevIssuer(devDir: string, now: Date = new Date()): Promise<DevIssuerFiles> {
  mkdirSync(devDir, { recursive: true, mode: 0o700 });
  const keysFile = join(devDir, "issuer-keys.json");
  const pseudonymKeyFile = join(devDir, "issuer-pseudonym-key.DEVELOPMENT-ONLY.txt");
  if (!existsSync(keysFile)) generateIssuerKeyFile(keysFile, now);
  if (!existsSync(pseudonymKeyFile)) generatePseudonymKeyFile(pseudonymKeyFile);
  const attester = await createDevAttester(devDir);
  const arc = prepareDevArcKeys(devDir, now);
  return {
    keysFile,
    pseudonymKeyFile,
    jwksFile: attester.jwksFile,
    arcOriginKeyFiles: arc.originKeyFiles,
    arcIssuerKeyFiles: arc.issuerFiles,
    env: {
      ISSUER_KEYS_FILE: keysFile,
      ISSUER_PSEUDONYM_KEY_FILE: pseudonymKeyFile,
      ATTESTER_JWKS_FILE: attester.jwksFile,
      ATTESTER_ISSUER: attester.issuer,
      ATTESTER_AUDIENCE: attester.audience,
      ISSUER_ARC_KEYS_FILES: Object.values(arc.issuerFiles).join(","),
      ISSUER_ARC_QUOTA: "1000",
    },
  };
}
