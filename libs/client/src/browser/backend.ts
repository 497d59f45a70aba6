/** The browser backend: WebCrypto, @hpke/core and @cloudflare/blindrsa-ts; no node builtins, no Buffer. */
import type { ClientBackend } from "../backend.js";
import { decodeDirectoryJson, formatPrivateTokenAuthorization, parsePrivateTokenChallenges } from "./auth.js";
import { decodeResponse, encodeKnownLengthRequest } from "./bhttp.js";
import { beginBrowserBatch } from "./issuance.js";
import { browserSealer, firstUsableKeyConfig } from "./ohttp.js";

export function browserBackend(): ClientBackend {
  return {
    name: "browser",
    importKeys: async (keys) => browserSealer(firstUsableKeyConfig(keys)),
    encodeRequest: encodeKnownLengthRequest,
    decodeResponse,
    parseChallenges: parsePrivateTokenChallenges,
    decodeDirectory: decodeDirectoryJson,
    beginBatch: beginBrowserBatch,
    formatAuthorization: formatPrivateTokenAuthorization,
  };
}
