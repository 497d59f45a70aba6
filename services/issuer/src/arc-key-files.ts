/**
 * Loading and reloading the ARC key files (ISSUER_ARC_KEYS_FILES, one file per origin; format and
 * rules in arc-keys.ts): each file on service-kit's key file lifecycle, checked against the live
 * keys of the others so that a truncated issuer key id names one key.
 */
import * as kit from "@oblivious/service-kit";
import { ArcKeyStore, ArcKeys, arcKeyFileSpec, type ArcIssuerKey, type ArcKeySnapshot } from "./arc-keys.js";

export interface LoadedArcKeys {
  readonly keys: ArcKeys;
  readonly watchers: readonly kit.KeyFileWatcher<ArcIssuerKey>[];
}

export interface ArcKeyFileOptions {
  readonly now: () => number;
  readonly onResult: (r: kit.ReloadResult) => void;
  readonly onChange: (s: ArcKeySnapshot) => void;
}

/** Loads every file at start-up: a ConfigError naming ISSUER_ARC_KEYS_FILES for any problem. */
export async function loadArcKeyFiles(paths: readonly string[], options: ArcKeyFileOptions): Promise<LoadedArcKeys> {
  const loaded: ArcIssuerKey[][] = [];
  const contents: (Buffer | undefined)[] = [];
  const built: { keys?: ArcKeys } = {};
  // At start-up the files loaded so far; afterwards the stores' keys.
  const others = (i: number) => (): readonly ArcIssuerKey[] =>
    built.keys === undefined ? loaded.flatMap((k, j) => (j === i ? [] : k)) : built.keys.liveExcept(i, options.now());
  for (const [i, path] of paths.entries()) {
    const { entries, content } = await kit.loadKeyFile(arcKeyFileSpec(others(i)), { kind: "file", path }, options.now());
    loaded.push(entries);
    contents.push(content);
  }
  const keys = new ArcKeys(loaded.map((entries) => new ArcKeyStore(entries, options.now, options.onChange)));
  built.keys = keys;
  const stores = keys.stores;
  const watchers = paths.flatMap((path, i) => {
    const store = stores[i];
    const w =
      store === undefined
        ? undefined
        : kit.watchKeyFile(arcKeyFileSpec(others(i)), { kind: "file", path }, contents[i], {
            now: options.now,
            apply: (entries) => store.replace(entries),
            onResult: options.onResult,
          });
    return w === undefined ? [] : [w];
  });
  return { keys, watchers };
}
