/**
 * Image references: pinned means a digest, or an exact version tag (`1.2.3`, `v1.21.0`,
 * `7.4.2-alpine`). `latest`, a missing tag and floating tags (`7`, `alpine`, `lts`) are not: the
 * same manifest could then run different code tomorrow.
 */
const DIGEST = /@sha256:[0-9a-f]{64}$/;
const EXACT_TAG = /^v?\d+\.\d+\.\d+(?:[-.+][0-9A-Za-z][0-9A-Za-z.-]*)?$/;

/** Why a reference is not pinned, or undefined when it is. */
export function unpinnedReason(image: string): string | undefined {
  if (DIGEST.test(image)) return undefined;
  if (image.includes("@")) return "has a malformed digest";
  // The tag follows the last colon after the last slash (a registry host may carry a port).
  const lastSlash = image.lastIndexOf("/");
  const colon = image.indexOf(":", lastSlash + 1);
  if (colon < 0) return "has no tag (means latest)";
  const tag = image.slice(colon + 1);
  if (tag === "latest") return "uses the latest tag";
  if (!EXACT_TAG.test(tag)) return `tag ${tag} is not an exact version`;
  return undefined;
}
