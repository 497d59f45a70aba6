import { concat } from "@oblivious/wire";
import { AEAD_PARAMETERS, KDF_PARAMETERS, isAeadId, isKdfId, isKemId } from "./algorithms.js";
import type { AeadParameters, CipherSuite } from "./algorithms.js";
import * as aead from "./aead.js";
import { OhttpError, OhttpErrorCode } from "./errors.js";
import { LabeledKdf } from "./hkdf.js";
import type { Kem, KemPrivateKey } from "./kem.js";
import { kemFor } from "./kem-registry.js";
import { Redacted } from "./redacted.js";

/**
 * HPKE (RFC 9180), base mode only, for the suites in algorithms.ts; Encap and Decap are those of
 * the suite's KEM (kem.ts, chosen in kem-registry.ts). The functions follow the RFC's pseudocode and carry its names; one split is added for speed: the part of KeySchedule
 * that depends on `info` alone (psk_id_hash, info_hash) can be computed once and kept
 * (`prepareInfo`), since a gateway sees the same few `info` values for every request.
 */

/** RFC 9180 Section 5, Table 1. */
const MODE_BASE = 0x00;
/** default_psk and default_psk_id (RFC 9180 Section 5.1): empty in base mode. */
const DEFAULT_PSK = new Uint8Array(0);
const DEFAULT_PSK_ID = new Uint8Array(0);
const EMPTY = new Uint8Array(0);

/** The key schedule's output: the fields of an encryption context (RFC 9180 Section 5.1). */
export interface KeyScheduleOutput {
  readonly key: Uint8Array;
  readonly baseNonce: Uint8Array;
  readonly exporterSecret: Uint8Array;
}

/** `info` with key_schedule_context = concat(mode, psk_id_hash, info_hash) computed once. */
export interface PreparedInfo {
  readonly info: Uint8Array;
  readonly keyScheduleContext: Uint8Array;
}

/** One ciphersuite, with its suite_id, labelled KDF and psk_id_hash computed once. */
export class Hpke {
  static readonly #instances = new WeakMap<Kem, Map<number, Hpke>>();
  static readonly #defaults = new Map<number, Hpke>();

  readonly suite: CipherSuite;
  readonly kem: Kem;
  readonly aead: AeadParameters;
  readonly kdf: LabeledKdf;
  readonly #pskIdHash: Uint8Array;

  private constructor(suite: CipherSuite, kem: Kem) {
    this.kem = kem;
    this.suite = Object.freeze({ kemId: suite.kemId, kdfId: suite.kdfId, aeadId: suite.aeadId });
    this.aead = AEAD_PARAMETERS[suite.aeadId];
    // suite_id = concat("HPKE", I2OSP(kem_id, 2), I2OSP(kdf_id, 2), I2OSP(aead_id, 2))
    const suiteId = Uint8Array.of(0x48, 0x50, 0x4b, 0x45, suite.kemId >>> 8, suite.kemId & 0xff, suite.kdfId >>> 8, suite.kdfId & 0xff, suite.aeadId >>> 8, suite.aeadId & 0xff);
    this.kdf = new LabeledKdf(KDF_PARAMETERS[suite.kdfId], suiteId);
    this.#pskIdHash = this.kdf.labeledExtract(EMPTY, "psk_id_hash", DEFAULT_PSK_ID);
  }

  /**
   * The instance for a suite, on the KEM implementation kem-registry.ts prefers unless `kem` (an
   * implementation of the suite's KEM) is given; throws `invalid-argument` for identifiers this
   * library lacks.
   */
  static for(suite: { readonly kemId: number; readonly kdfId: number; readonly aeadId: number }, kem?: Kem): Hpke {
    const { kemId, kdfId, aeadId } = suite;
    if (!isKemId(kemId) || !isKdfId(kdfId) || !isAeadId(aeadId)) throw new OhttpError(OhttpErrorCode.InvalidArgument, "unsupported HPKE suite");
    if (kem === undefined) {
      // The gateway's per-request path: one lookup, as before there was a choice of KEM.
      const index = kemId * 0x100000000 + kdfId * 0x10000 + aeadId;
      let instance = Hpke.#defaults.get(index);
      if (instance === undefined) {
        instance = Hpke.for(suite, kemFor(kemId));
        Hpke.#defaults.set(index, instance);
      }
      return instance;
    }
    const implementation = kem;
    if (implementation.id !== kemId) throw new OhttpError(OhttpErrorCode.InvalidArgument, "KEM implementation for another KEM");
    let instances = Hpke.#instances.get(implementation);
    if (instances === undefined) {
      instances = new Map();
      Hpke.#instances.set(implementation, instances);
    }
    const index = kdfId * 0x10000 + aeadId;
    let instance = instances.get(index);
    if (instance === undefined) {
      instance = new Hpke({ kemId, kdfId, aeadId }, implementation);
      instances.set(index, instance);
    }
    return instance;
  }

  /**
   * The part of KeySchedule that depends on `info` alone:
   *
   *   psk_id_hash = LabeledExtract("", "psk_id_hash", psk_id)
   *   info_hash = LabeledExtract("", "info_hash", info)
   *   key_schedule_context = concat(mode, psk_id_hash, info_hash)
   */
  prepareInfo(info: Uint8Array): PreparedInfo {
    const infoHash = this.kdf.labeledExtract(EMPTY, "info_hash", info);
    const keyScheduleContext = concat(Uint8Array.of(MODE_BASE), this.#pskIdHash, infoHash);
    return Object.freeze({ info: Uint8Array.from(info), keyScheduleContext });
  }

  /**
   * KeySchedule(mode_base, shared_secret, info, default_psk, default_psk_id). VerifyPSKInputs
   * holds by construction: base mode with no PSK.
   *
   *   secret = LabeledExtract(shared_secret, "secret", psk)
   *   key = LabeledExpand(secret, "key", key_schedule_context, Nk)
   *   base_nonce = LabeledExpand(secret, "base_nonce", key_schedule_context, Nn)
   *   exporter_secret = LabeledExpand(secret, "exp", key_schedule_context, Nh)
   */
  keySchedule(sharedSecret: Uint8Array, info: Uint8Array | PreparedInfo): KeyScheduleOutput {
    const { keyScheduleContext } = info instanceof Uint8Array ? this.prepareInfo(info) : info;
    const secret = this.kdf.labeledExtract(sharedSecret, "secret", DEFAULT_PSK);
    return {
      key: this.kdf.labeledExpand(secret, "key", keyScheduleContext, this.aead.Nk),
      baseNonce: this.kdf.labeledExpand(secret, "base_nonce", keyScheduleContext, this.aead.Nn),
      exporterSecret: this.kdf.labeledExpand(secret, "exp", keyScheduleContext, this.kdf.kdf.Nh),
    };
  }

  /**
   *   def SetupBaseS(pkR, info):
   *     shared_secret, enc = Encap(pkR)
   *     return enc, KeyScheduleS(mode_base, shared_secret, info, default_psk, default_psk_id)
   *
   * `ephemeralPrivateKey` fixes Encap's randomness for known-answer tests (skEm for DHKEM, the
   * vectors' ikmE for ML-KEM-768 and X-Wing: see `Kem.encap`); by default it is random.
   */
  setupBaseS(pkRm: Uint8Array, info: Uint8Array | PreparedInfo, options: { readonly ephemeralPrivateKey?: Uint8Array } = {}): { enc: Uint8Array; context: SenderContext } {
    const { sharedSecret, enc } = this.kem.encap(pkRm, options.ephemeralPrivateKey);
    return { enc, context: new SenderContext(this, this.keySchedule(sharedSecret, info)) };
  }

  /**
   *   def SetupBaseR(enc, skR, info):
   *     shared_secret = Decap(enc, skR)
   *     return KeyScheduleR(mode_base, shared_secret, info, default_psk, default_psk_id)
   */
  setupBaseR(enc: Uint8Array, skR: KemPrivateKey, info: Uint8Array | PreparedInfo): RecipientContext {
    return new RecipientContext(this, this.keySchedule(this.kem.decap(enc, skR), info));
  }
}

/** Sequence numbers are JavaScript safe integers; far below 2^(8*Nn) - 1 for every AEAD here. */
const MAX_SEQ = Number.MAX_SAFE_INTEGER;

/** The encryption context of RFC 9180 Section 5.2, shared by sender and recipient. */
abstract class Context extends Redacted {
  readonly #hpke: Hpke;
  readonly #key: Uint8Array;
  readonly #baseNonce: Uint8Array;
  readonly #exporterSecret: Uint8Array;
  #seq = 0;

  constructor(hpke: Hpke, keys: KeyScheduleOutput) {
    super(new.target.name);
    this.#hpke = hpke;
    this.#key = keys.key;
    this.#baseNonce = keys.baseNonce;
    this.#exporterSecret = keys.exporterSecret;
  }

  get suite(): CipherSuite {
    return this.#hpke.suite;
  }

  /** The next sequence number to be used. */
  get seq(): number {
    return this.#seq;
  }

  /**
   *   def ComputeNonce(self, seq):
   *     seq_bytes = I2OSP(seq, Nn)
   *     return xor(self.base_nonce, seq_bytes)
   */
  protected computeNonce(seq: number): Uint8Array {
    const nonce = Uint8Array.from(this.#baseNonce);
    let rest = seq;
    for (let i = nonce.length - 1; rest > 0 && i >= 0; i--) {
      nonce[i] = (nonce[i] as number) ^ rest % 256;
      rest = Math.floor(rest / 256);
    }
    return nonce;
  }

  /**
   *   def IncrementSeq(self):
   *     if self.seq >= (1 << (8*Nn)) - 1:
   *       raise MessageLimitReachedError
   *     self.seq += 1
   */
  protected incrementSeq(): void {
    if (this.#seq >= MAX_SEQ) throw new OhttpError(OhttpErrorCode.MessageLimitReached);
    this.#seq += 1;
  }

  protected aeadSeal(aad: Uint8Array, pt: Uint8Array): Uint8Array {
    const ct = aead.seal(this.#hpke.aead, this.#key, this.computeNonce(this.#seq), aad, pt);
    this.incrementSeq();
    return ct;
  }

  protected aeadOpen(aad: Uint8Array, ct: Uint8Array): Uint8Array {
    const pt = aead.open(this.#hpke.aead, this.#key, this.computeNonce(this.#seq), aad, ct);
    this.incrementSeq();
    return pt;
  }

  /**
   *   def Context.Export(exporter_context, L):
   *     return LabeledExpand(self.exporter_secret, "sec", exporter_context, L)
   */
  export(exporterContext: Uint8Array, L: number): Uint8Array {
    if (!Number.isInteger(L) || L < 0 || L > 255 * this.#hpke.kdf.kdf.Nh) throw new OhttpError(OhttpErrorCode.InvalidArgument, "Export length");
    return this.#hpke.kdf.labeledExpand(this.#exporterSecret, "sec", exporterContext, L);
  }

}

/** The sender's context: Seal and Export (RFC 9180 Section 5.2). */
export class SenderContext extends Context {
  /**
   *   def ContextS.Seal(aad, pt):
   *     ct = Seal(self.key, self.ComputeNonce(self.seq), aad, pt)
   *     self.IncrementSeq()
   *     return ct
   */
  seal(aad: Uint8Array, pt: Uint8Array): Uint8Array {
    return this.aeadSeal(aad, pt);
  }
}

/** The recipient's context: Open and Export (RFC 9180 Section 5.2). */
export class RecipientContext extends Context {
  /**
   *   def ContextR.Open(aad, ct):
   *     pt = Open(self.key, self.ComputeNonce(self.seq), aad, ct)
   *     if pt == OpenError:
   *       raise OpenError
   *     self.IncrementSeq()
   *     return pt
   *
   * A failed Open leaves the sequence number where it was.
   */
  open(aad: Uint8Array, ct: Uint8Array): Uint8Array {
    return this.aeadOpen(aad, ct);
  }
}
