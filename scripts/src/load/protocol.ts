/** Messages between the coordinator and its worker threads (structured-clone data only). */
import type { KemName } from "@oblivious/client";
import type { Grant } from "./mint.js";
import type { WorkerRun } from "./generator.js";
import type { KindCounts, RunPlan, TokenKind } from "./plan.js";
import type { Authorities, SearchQuery } from "./scenarios.js";

export interface WorkerInit {
  readonly relayUrl: string;
  /** The relay's `application/ohttp-keys` bytes; requests use the configuration of `kem`. */
  readonly keys: Uint8Array;
  /** The KEM the session chose (oblivious.ts `chooseConfig`). */
  readonly kem: KemName;
  readonly authorities: Authorities;
  /** The issuer's current token key (SPKI), from its directory. */
  readonly tokenKey: Uint8Array;
  /** Each feature origin's TokenChallenge, from its 401. */
  readonly challenges: Readonly<Partial<Record<TokenKind, Uint8Array>>>;
  readonly connections: number;
  readonly timeoutMs: number;
  /** The queries of the search scenario; request k asks query k mod length. */
  readonly searchQueries: readonly SearchQuery[];
  /** Direct mode: each origin's own base URL; empty in the oblivious mode. */
  readonly direct: Readonly<Partial<Record<TokenKind, string>>>;
}

export type WorkerRequest =
  | { readonly op: "mint"; readonly kind: TokenKind; readonly grants: readonly Grant[]; readonly batch: number }
  | { readonly op: "blind"; readonly credentials: readonly string[]; readonly size: number }
  | { readonly op: "stock" }
  | { readonly op: "run"; readonly plan: RunPlan };

export interface WorkerReplies {
  readonly mint: { readonly minted: number };
  readonly blind: { readonly blinded: number };
  readonly stock: KindCounts;
  readonly run: WorkerRun;
}

export type ToWorker = { readonly id: number; readonly request: WorkerRequest } | { readonly id: number; readonly close: true };

export type FromWorker =
  | { readonly id: number; readonly ok: true; readonly value: WorkerReplies[keyof WorkerReplies] }
  | { readonly id: number; readonly ok: false; readonly error: string }
  | { readonly progress: { readonly completed: number; readonly ok: number } };
