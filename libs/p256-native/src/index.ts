/**
 * @oblivious/p256-native: P-256 point arithmetic on the OpenSSL inside the node binary, through a
 * small Node-API addon (native/p256.c, built by build.mjs into dist/src/p256.node). Node only, and
 * optional: `loadP256Native()` returns undefined when the addon was not built or does not load,
 * and its users keep their portable path. Setting OBLIVIOUS_P256_NATIVE=off switches it off.
 *
 * The interface is bytes only (no curve library here): a point is 64 bytes x || y, big-endian,
 * affine, never the identity; a scalar 32 bytes big-endian. In `points` an entry of 63 zero bytes
 * and k stands for fixed base k: 0 is the generator, 1 to 15 the points given to `setBase`. Why and measurements: docs/decisions/0055-arc-native-p256.md.
 */
import { createRequire } from "node:module";

/** The most terms one `mulSum` takes. */
export const P256_NATIVE_MAX_TERMS = 64;
/** Fixed-base slots for `setBase`: 1 to this. */
export const P256_NATIVE_LAST_BASE = 15;
export const P256_POINT_LENGTH = 64;
export const P256_SCALAR_LENGTH = 32;

/** What `mulSum` reports. */
export const MulSumStatus = {
  /** `out` holds the sum. */
  Point: 0,
  /** The sum is the identity; `out` is untouched. */
  Identity: 1,
  /** An input point is not on the curve (or a scalar did not parse); `out` is untouched. */
  Invalid: 2,
} as const;
export type MulSumStatus = (typeof MulSumStatus)[keyof typeof MulSumStatus];

export interface P256Native {
  /**
   * out = sum of scalars[i] * points[i], n = points.length / 64 terms (1 to 64).
   * constantTime = true: each term is one single-scalar multiplication on OpenSSL's constant-time
   * path (BN_FLG_CONSTTIME), for secret scalars; false: one multi-scalar multiplication that may
   * run in variable time, for public scalars only. Throws TypeError on wrong lengths.
   */
  mulSum(out: Uint8Array, points: Uint8Array, scalars: Uint8Array, constantTime: boolean): MulSumStatus;
  /**
   * SEC1 compressed (33 bytes, 02/03 || x) to x || y in `out`; false when the prefix is neither,
   * x is not below the field prime, or no point has that x.
   */
  decode(out: Uint8Array, compressed: Uint8Array): boolean;
  /**
   * Makes `point` fixed base k (1 to 15, replacing what was there) with a precomputed table: a
   * secret-scalar term naming it in `mulSum` then costs about as much as one on the generator.
   * Building the table is costly (decision 0055). False when the point is not on the curve; TypeError on a wrong k or length.
   */
  setBase(k: number, point: Uint8Array): boolean;
  /**
   * OpenSSL's implementation of the group: "nistz256" (the x86-64 and ARMv8 assembly, whose
   * single-scalar multiplications are constant time) or "other" (then EC_POINT_mul with a
   * BN_FLG_CONSTTIME scalar takes OpenSSL's generic Montgomery ladder, also constant time).
   */
  readonly method: "nistz256" | "other";
}

// build.mjs writes it beside this file's compiled form (dist/src), so a copy of dist/src carries it.
const ADDON_PATH = new URL("./p256.node", import.meta.url).pathname;
// 2 * G: a known answer the addon must give before anything uses it.
const TWO_G_X = "7cf27b188d034f7e8a52380304b51ac3c08969e277f21b35a60b48fc47669978";
const TWO_G_Y = "07775510db8ed040293d9ac69f7430dbba7dade63ce982299e04b79d227873d1";

let loaded: P256Native | undefined;
let failure: string | undefined;
let tried = false;

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function tryLoad(): void {
  tried = true;
  if (process.env.OBLIVIOUS_P256_NATIVE === "off") {
    failure = "switched off (OBLIVIOUS_P256_NATIVE=off)";
    return;
  }
  try {
    const addon = createRequire(import.meta.url)(ADDON_PATH) as P256Native;
    const out = new Uint8Array(P256_POINT_LENGTH);
    const two = new Uint8Array(P256_SCALAR_LENGTH);
    two[31] = 2;
    const status = addon.mulSum(out, new Uint8Array(P256_POINT_LENGTH), two, true);
    if (status !== MulSumStatus.Point || hex(out) !== TWO_G_X + TWO_G_Y) throw new Error("2 * G came out wrong");
    if (typeof addon.setBase !== "function" || typeof addon.decode !== "function") throw new Error("an older build: run npm run build");
    loaded = addon;
  } catch (error) {
    failure = error instanceof Error ? error.message.split("\n")[0] : String(error);
  }
}

/** The addon, loaded once and checked on a known answer; undefined when unavailable (see `p256NativeUnavailable`). */
export function loadP256Native(): P256Native | undefined {
  if (!tried) tryLoad();
  return loaded;
}

/** Why `loadP256Native()` returned undefined (undefined when it loaded or was not tried yet). */
export function p256NativeUnavailable(): string | undefined {
  return loaded === undefined ? failure : undefined;
}
