/**
 * ARC's P-256 multiplications on the @oblivious/p256-native addon (OpenSSL's EC_POINT_mul and
 * EC_POINTs_mul inside the node binary), for Node only: `addonArcMultiplier` is undefined when the
 * addon is not built or does not load, and ./arc-native.ts then installs its node:crypto path.
 * Same group elements as @noble/curves, so every ARC byte is unchanged (test/arc-addon.test.ts).
 *
 * Points go to the addon as affine x || y: a point with Z = 1 (decoded from the wire, or a result
 * of the addon) is written as is; others (sums made with noble) are normalised once per point
 * object and remembered. generatorH and the points `withTable` names (the server key's) are fixed
 * bases with the addon's own precomputed tables (OpenSSL's, as for G: a multiplication costs about
 * as much as one on the generator; building a table is costly, decision 0055), built when such a point first meets a secret scalar and
 * shared by every point object with the same coordinates. Secret scalars pass through one scratch buffer
 * that is zeroed after each call. Measurements: docs/decisions/0055-arc-native-p256.md.
 */
import { p256 } from "@noble/curves/nist.js";
import { loadP256Native, MulSumStatus, P256_NATIVE_MAX_TERMS, p256NativeUnavailable, type P256Native } from "@oblivious/p256-native";
import { GENERATOR_H, type ArcElement, type ArcMultiplier } from "./arc/group.js";

const Point = p256.Point;

const points = new Uint8Array(64 * P256_NATIVE_MAX_TERMS);
const scalars = new Uint8Array(32 * P256_NATIVE_MAX_TERMS);
const result = new Uint8Array(64);
const pointView = new DataView(points.buffer);
const scalarView = new DataView(scalars.buffer);
const resultView = new DataView(result.buffer);
const affine = new WeakMap<ArcElement, { readonly x: bigint; readonly y: bigint }>();
// Fixed bases with the addon's precomputed tables (setBase): generatorH in slot 1, the key points
// `withTable` names in slots 2 to 15 in turn (an issuer's current and previous keys fit). Each is
// built on first use with a secret scalar, so a process that never has one (an origin) builds none.
const FIRST_SLOT = 2;
const LAST_SLOT = 15;
const slotOf = new WeakMap<ArcElement, number>();
const slotHolder: (ArcElement | undefined)[] = [];
const slotByCoordinates = new Map<string, number>();
let nextSlot = FIRST_SLOT;
// Points `withTable` named: each gets a slot when it first meets a secret scalar (an origin's X1,
// only ever in public sums, never costs a table).
const wanted = new WeakSet<ArcElement>();

/** 32 bytes big-endian at `offset` (setBigUint64 keeps the low 64 bits of each shifted value). */
function put(view: DataView, offset: number, v: bigint): void {
  view.setBigUint64(offset, v >> 192n);
  view.setBigUint64(offset + 8, v >> 128n);
  view.setBigUint64(offset + 16, v >> 64n);
  view.setBigUint64(offset + 24, v);
}

function get(view: DataView, offset: number): bigint {
  return (view.getBigUint64(offset) << 192n) | (view.getBigUint64(offset + 8) << 128n) | (view.getBigUint64(offset + 16) << 64n) | view.getBigUint64(offset + 24);
}

function putPoint(i: number, a: ArcElement): void {
  const offset = 64 * i;
  const slot = a === Point.BASE ? 0 : slotOf.get(a);
  if (slot !== undefined) {
    // The addon's name for a fixed base: 63 zero bytes and the slot (0: the generator).
    points.fill(0, offset, offset + 63);
    points[offset + 63] = slot;
    return;
  }
  let xy: { readonly x: bigint; readonly y: bigint };
  if (a.Z === 1n) xy = { x: a.X, y: a.Y };
  else {
    const known = affine.get(a);
    xy = known ?? a.toAffine();
    if (known === undefined) affine.set(a, xy);
  }
  put(pointView, offset, xy.x);
  put(pointView, offset + 32, xy.y);
}

function resultPoint(): ArcElement {
  return Point.fromAffine({ x: get(resultView, 0), y: get(resultView, 32) });
}

function coordinates(a: ArcElement): string {
  const { x, y } = a.toAffine();
  return `${x.toString(16)}:${y.toString(16)}`;
}

/** Puts `a` in `slot` (the scratch buffer's first entry is overwritten: call before filling it). */
function setBase(addon: P256Native, slot: number, a: ArcElement): void {
  putPoint(0, a);
  if (!addon.setBase(slot, points.subarray(0, 64))) throw new Error("p256-native: a point the group made was refused");
  const previous = slotHolder[slot];
  if (previous !== undefined) {
    slotOf.delete(previous);
    slotByCoordinates.delete(coordinates(previous));
  }
  slotHolder[slot] = a;
  slotOf.set(a, slot);
  slotByCoordinates.set(coordinates(a), slot);
}

/** A slot for a wanted point: the one its coordinates already have (another object, same key), else the next in turn. */
function assignSlot(addon: P256Native, a: ArcElement): void {
  const known = slotByCoordinates.get(coordinates(a));
  if (known !== undefined) {
    slotOf.set(a, known);
    return;
  }
  if (a === GENERATOR_H) {
    setBase(addon, 1, a); // its own slot: key rotations never evict it
    return;
  }
  setBase(addon, nextSlot, a);
  nextSlot = nextSlot === LAST_SLOT ? FIRST_SLOT : nextSlot + 1;
}

function makeMultiplier(addon: P256Native): ArcMultiplier {
  wanted.add(GENERATOR_H);
  function multiplySum(ps: readonly ArcElement[], ss: readonly bigint[], publicScalars: boolean): ArcElement {
    const n = ps.length;
    if (!publicScalars) {
      for (const a of ps) if (wanted.has(a) && !slotOf.has(a)) assignSlot(addon, a);
    }
    ps.forEach((a, i) => {
      putPoint(i, a);
      put(scalarView, 32 * i, ss[i] as bigint);
    });
    let status: MulSumStatus;
    try {
      status = addon.mulSum(result, points.subarray(0, 64 * n), scalars.subarray(0, 32 * n), !publicScalars);
    } finally {
      scalars.fill(0, 0, 32 * n);
    }
    if (status === MulSumStatus.Identity) return Point.ZERO;
    // Every input is a valid point (decoded with checks, or computed): this is a bug, not bad input.
    if (status !== MulSumStatus.Point) throw new Error("p256-native: a point the group made was refused");
    return resultPoint();
  }
  return {
    outrunsTables: true,
    multiplyBase: (s) => multiplySum([Point.BASE], [s], false),
    multiply: (a, s) => multiplySum([a], [s], false),
    multiplySum,
    precompute(a) {
      if (!slotOf.has(a) && !a.is0()) wanted.add(a);
    },
    decompress(bytes) {
      return addon.decode(result, bytes) ? resultPoint() : undefined;
    },
  };
}

const addon = loadP256Native();
/** The addon-backed multiplier, or undefined when the addon is unavailable (`p256NativeUnavailable()` says why). */
export const addonArcMultiplier: ArcMultiplier | undefined = addon === undefined ? undefined : makeMultiplier(addon);

/** Why `addonArcMultiplier` is undefined (not built, switched off, failed to load); undefined when it loaded. */
export function arcAddonUnavailable(): string | undefined {
  return p256NativeUnavailable();
}
