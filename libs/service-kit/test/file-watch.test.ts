import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, renameSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { writeFileAtomic } from "../src/file-watch.js";
import { FileWatcher, ReloadResult } from "../src/index.js";

function setup(): { dir: string; path: string; applied: number[]; results: ReloadResult[]; watcher: FileWatcher<number> } {
  const dir = mkdtempSync(join(tmpdir(), "file-watch-"));
  const path = join(dir, "value.txt");
  writeFileSync(path, "1");
  const applied: number[] = [];
  const results: ReloadResult[] = [];
  const watcher = new FileWatcher<number>({
    path,
    content: readFileSync(path),
    parse: (text) => {
      const n = Number(text);
      if (!Number.isInteger(n)) throw new TypeError("not a number");
      return n;
    },
    usable: (n) => n > 0,
    apply: (n) => applied.push(n),
    onResult: (r) => results.push(r),
  });
  return { dir, path, applied, results, watcher };
}

test("FileWatcher: applies a changed usable file once, refuses bad ones once each, keeps what is in use", async () => {
  const { dir, path, applied, results, watcher } = setup();
  try {
    assert.equal(await watcher.check(), ReloadResult.Unchanged);
    writeFileSync(path, "oops");
    assert.equal(await watcher.check(), ReloadResult.Invalid);
    assert.equal(await watcher.check(), ReloadResult.Invalid);
    writeFileSync(path, "-3");
    assert.equal(await watcher.check(), ReloadResult.NoUsableKey);
    rmSync(path);
    assert.equal(await watcher.check(), ReloadResult.Unreadable);
    assert.equal(await watcher.check(), ReloadResult.Unreadable);
    writeFileSync(path, "2");
    assert.equal(await watcher.check(), ReloadResult.Reloaded);
    assert.equal(await watcher.check(), ReloadResult.Unchanged);
    assert.deepEqual(applied, [2]);
    // Each refusal is reported once, not at every poll; unchanged checks are not reported.
    assert.deepEqual(results, [ReloadResult.Invalid, ReloadResult.NoUsableKey, ReloadResult.Unreadable, ReloadResult.Reloaded]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("FileWatcher: follows a Kubernetes-style symlink swap; a check called during another reads after it", async () => {
  const { dir, path, applied, watcher } = setup();
  try {
    const data1 = join(dir, "..data1");
    const data2 = join(dir, "..data2");
    writeFileSync(data1, "1");
    writeFileSync(data2, "7");
    rmSync(path);
    symlinkSync(data1, path);
    assert.equal(await watcher.check(), ReloadResult.Unchanged);
    const tmpLink = join(dir, "value.tmp");
    symlinkSync(data2, tmpLink);
    renameSync(tmpLink, path);
    const [a, b, c] = await Promise.all([watcher.check(), watcher.check(), watcher.check()]);
    assert.equal(a, ReloadResult.Reloaded);
    // The two calls made while the first was reading share one read after it.
    assert.equal(b, ReloadResult.Unchanged);
    assert.equal(c, ReloadResult.Unchanged);
    assert.deepEqual(applied, [7]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("FileWatcher: a change written while a check is reading is seen by a check called after the write", async () => {
  const { dir, path, applied, watcher } = setup();
  try {
    writeFileSync(path, "3");
    const first = watcher.check();
    writeFileSync(path, "4");
    await watcher.check();
    await first;
    assert.equal(applied.at(-1), 4, "the value written before the second call is in use");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("writeFileAtomic: the whole file with mode 0600 and no temporary file left", () => {
  const dir = mkdtempSync(join(tmpdir(), "file-watch-"));
  try {
    const path = join(dir, "keys.json");
    writeFileAtomic(path, "first");
    writeFileAtomic(path, "second");
    assert.equal(readFileSync(path, "utf8"), "second");
    assert.equal(statSync(path).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ["keys.json"]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
