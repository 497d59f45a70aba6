/**
 * DEVELOPMENT ONLY. `npm run -s mint-credential -- DEVICE_ID [--ttl 1h]` prints a device
 * credential (a JWT) that the locally started issuer accepts: it is signed by the development
 * attester under the dev directory (START_DEV_DIR, default `<repo>/.dev`), the one `npm start`
 * configures the issuer with. Use it as `Authorization: Bearer <credential>`.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { parseDuration } from "@oblivious/service-kit";
import { MAX_DEVICE_ID_LENGTH } from "./attestation.js";
import { createDevAttester } from "./dev-attester.js";

const USAGE = "usage: mint-credential DEVICE_ID [--ttl 1h]   (DEVELOPMENT ONLY; dev directory from START_DEV_DIR, default <repo>/.dev)";
const ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

function fail(message: string, code: number): void {
  process.stderr.write(`mint-credential: ${message}\n`);
  process.exitCode = code;
}

async function main(argv: readonly string[]): Promise<void> {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], allowPositionals: true, options: { ttl: { type: "string" } } });
  } catch {
    return fail(`unknown option\n${USAGE}`, 2);
  }
  const [deviceId, ...rest] = parsed.positionals;
  if (deviceId === undefined || deviceId === "" || rest.length > 0 || deviceId.length > MAX_DEVICE_ID_LENGTH) {
    return fail(`one DEVICE_ID of 1 to ${MAX_DEVICE_ID_LENGTH} characters is needed\n${USAGE}`, 2);
  }
  const ttlMs = parsed.values.ttl === undefined ? 3_600_000 : parseDuration(parsed.values.ttl);
  if (ttlMs === undefined || ttlMs < 1000) return fail(`--ttl must be a duration such as 10m or 1h\n${USAGE}`, 2);
  const devDir = process.env["START_DEV_DIR"] || join(ROOT, ".dev");
  const attester = await createDevAttester(devDir);
  process.stdout.write(`${await attester.mint(deviceId, Math.floor(ttlMs / 1000))}\n`);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  const code = typeof e === "object" && e !== null && typeof (e as { code?: unknown }).code === "string" ? ` (${(e as { code: string }).code})` : "";
  fail(`failed${code}`, 1);
});
