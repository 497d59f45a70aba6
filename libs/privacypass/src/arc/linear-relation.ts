/**
 * A linear relation over a prime-order group (draft-irtf-cfrg-sigma-protocols, Sections "Linear
 * map" and "Statements for linear relations"): allocated scalar variables (the witness), allocated
 * element variables (the instance), and equations `element[lhs] = sum(scalar[i] * element[j])`.
 * `label()` is the instance label the Fiat-Shamir transform absorbs, as the vectors' revision
 * builds it: every integer a 32-bit little-endian word; the number of equations; per equation the
 * lhs element index, the number of terms and each (scalar index, element index); then every
 * element serialized in index order. Elements must all be set and pairwise distinct, else the
 * relation has no label (the generator asserts both) and proving or verifying it fails.
 */
import { PrivacyPassError, PrivacyPassErrorCode } from "../errors.js";
import type { SigmaGroup } from "./sigma-group.js";

export interface Equation {
  readonly lhs: number;
  readonly terms: readonly (readonly [scalar: number, element: number])[];
}

export class LinearRelation<E> {
  readonly group: SigmaGroup<E>;
  readonly equations: Equation[] = [];
  readonly #elements: (E | undefined)[] = [];
  #numScalars = 0;

  constructor(group: SigmaGroup<E>) {
    this.group = group;
  }

  get numScalars(): number {
    return this.#numScalars;
  }

  allocateScalars(n: number): number[] {
    const start = this.#numScalars;
    this.#numScalars += n;
    return Array.from({ length: n }, (_, i) => start + i);
  }

  allocateElements(n: number): number[] {
    const start = this.#elements.length;
    for (let i = 0; i < n; i++) this.#elements.push(undefined);
    return Array.from({ length: n }, (_, i) => start + i);
  }

  setElements(pairs: readonly (readonly [index: number, element: E])[]): void {
    for (const [index, element] of pairs) {
      if (index < 0 || index >= this.#elements.length) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "element index");
      this.#elements[index] = element;
    }
  }

  appendEquation(lhs: number, terms: readonly (readonly [scalar: number, element: number])[]): void {
    this.equations.push({ lhs, terms });
  }

  element(index: number): E {
    const e = this.#elements[index];
    if (e === undefined) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "unset element");
    return e;
  }

  /** The image: the lhs element of each equation. */
  image(): E[] {
    return this.equations.map((eq) => this.element(eq.lhs));
  }

  /**
   * The linear map applied to `scalars`, one element per equation. Terms of one equation that
   * share an element are multiplied once with their scalars summed (the same point; one
   * multiplication fewer, as in ARC's tag equation m1 * tag + nonce * tag). With `lhsScalar`,
   * each equation's result also gets lhsScalar * (its lhs element): the verifier's commitment
   * map(responses) - challenge * image in one multi-scalar multiplication per equation, for groups
   * that have one (`multiplySum`).
   */
  map(scalars: readonly bigint[], publicScalars: boolean, lhsScalar?: bigint): E[] {
    const g = this.group;
    return this.equations.map((eq) => {
      const byElement = new Map<number, bigint>();
      const addTerm = (ei: number, s: bigint): void => {
        byElement.set(ei, ((byElement.get(ei) ?? 0n) + s) % g.order);
      };
      for (const [si, ei] of eq.terms) {
        const s = scalars[si];
        if (s === undefined) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "scalar index");
        addTerm(ei, s);
      }
      if (lhsScalar !== undefined) addTerm(eq.lhs, lhsScalar);
      if (g.multiplySum !== undefined) {
        const elements = [...byElement.keys()].map((ei) => this.element(ei));
        return g.multiplySum(elements, [...byElement.values()], publicScalars);
      }
      let acc = g.identity;
      for (const [ei, s] of byElement) {
        const e = this.element(ei);
        acc = g.add(acc, publicScalars ? g.multiplyPublic(e, s) : g.multiply(e, s));
      }
      return acc;
    });
  }

  /** The instance label (see the module comment). Throws invalid-argument if an element is unset or repeated. */
  label(): Uint8Array {
    const elements = this.#elements.map((_, i) => this.element(i));
    const encoded = elements.map((e) => this.group.serializeElement(e));
    const seen = new Set<string>();
    for (const bytes of encoded) {
      const key = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
      if (seen.has(key)) throw new PrivacyPassError(PrivacyPassErrorCode.InvalidArgument, "repeated instance element");
      seen.add(key);
    }
    const words: number[] = [this.equations.length];
    for (const eq of this.equations) {
      words.push(eq.lhs, eq.terms.length);
      for (const [si, ei] of eq.terms) words.push(si, ei);
    }
    const ne = this.group.elementLength;
    const out = new Uint8Array(words.length * 4 + encoded.length * ne);
    const view = new DataView(out.buffer);
    words.forEach((w, i) => view.setUint32(i * 4, w, true));
    encoded.forEach((bytes, i) => out.set(bytes, words.length * 4 + i * ne));
    return out;
  }
}
