/**
 * `npm run deploy:local` end to end, with everything of its own: podman (installed from Debian's
 * packages by deploy/scripts/install-containers.sh when missing; the test fails when that is not
 * possible), the images (built, from the layer cache when warm), development material in a
 * temporary directory, its own pod and network names. Then a sticker search as a client makes it,
 * through the played relay, gateway, issuer and sticker-search, with a credential from
 * mint-credential; then `--down`, and nothing of the deployment is left.
 *
 * Slow (minutes cold: the base image and the builds; see deploy/README.md for the measured cost).
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../src/paths.js";

const SCRIPT = join(REPO_ROOT, "deploy/scripts/deploy-local.mjs");

function podmanPresent(): boolean {
  return spawnSync("podman", ["--version"], { stdio: "ignore" }).status === 0;
}

test("deploy:local plays the dev overlay as pods, a search goes through them, and --down removes everything", { timeout: 1_800_000 }, () => {
  if (!podmanPresent()) {
    const r = spawnSync(join(REPO_ROOT, "deploy/scripts/install-containers.sh"), [], { encoding: "utf8" });
    assert.equal(r.status, 0, `podman is missing and could not be installed: ${r.stderr}`);
  }
  assert.ok(podmanPresent(), "podman runs");

  const work = mkdtempSync(join(tmpdir(), "deploy-local-"));
  const name = `t${process.pid}`;
  const env = { ...process.env, START_DEV_DIR: join(work, "dev"), DEPLOY_LOCAL_DIR: join(work, "state"), DEPLOY_LOCAL_NAME: name };
  const podsLeft = (): string =>
    execFileSync("podman", ["pod", "ps", "-q", "--filter", `label=oblivious.local/deployment=${name}`], { encoding: "utf8" }).trim();
  try {
    const started = Date.now();
    const upRun = spawnSync(process.execPath, [SCRIPT], { env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
    assert.equal(upRun.status, 0, `deploy:local failed: ${upRun.stderr.slice(-4000)}`);
    console.log(`deploy:local up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const urls = Object.fromEntries(upRun.stdout.trim().split("\n").map((l) => l.split("=", 2) as [string, string]));
    assert.match(urls["RELAY_URL"] ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.match(urls["ISSUER_URL"] ?? "", /^http:\/\/127\.0\.0\.1:\d+$/);
    // Every workload of the overlay runs as a pod; the kinds podman cannot play are named.
    assert.match(upRun.stderr, /not played by podman \(checked by the policy tests instead\): .*NetworkPolicy/);
    assert.equal(podsLeft().split("\n").length, 8, "relay, gateway, issuer, sticker-search, telemetry, redis, meilisearch, the catalogue import");

    const credential = execFileSync(process.execPath, [join(REPO_ROOT, "services/issuer/dist/src/mint-credential.js"), "deploy-local-device"], { env, encoding: "utf8" }).trim();
    assert.ok(credential.length > 20);
    const search = spawnSync(process.execPath, [join(REPO_ROOT, "scripts/dist/search.js"), "--json", "--token-type", "arc", "cat"], {
      env: { ...env, RELAY_URL: urls["RELAY_URL"], ISSUER_URL: urls["ISSUER_URL"], SEARCH_CREDENTIAL: credential },
      encoding: "utf8",
    });
    assert.equal(search.status, 0, `search through the pods failed: ${search.stderr}`);
    const result = JSON.parse(search.stdout) as { total: number; hits: { emoji: string }[] };
    assert.ok(result.hits.length > 0, "stickers found through relay, gateway and sticker-search, with an ARC token (the pods' ARC key Secrets)");
    // ARC's OpenSSL addon is built into the images and loads in the issuer and an origin.
    for (const workload of ["issuer", "sticker-search"]) {
      const probe = execFileSync(
        "podman",
        ["exec", `${name}-${workload}-${workload}`, "node", "-e", 'import("@oblivious/p256-native").then((m) => console.log(m.p256NativeUnavailable() ?? "loaded"))'],
        { encoding: "utf8" },
      );
      assert.equal(probe.trim(), "loaded", `${workload}: libs/p256-native in the image`);
    }
    // The token was spent in the played Redis (with its password from the mounted Secret).
    const keys = execFileSync("podman", ["exec", `${name}-redis-redis`, "sh", "-c", 'IFS= read -r pw < /etc/redis/auth/password; REDISCLI_AUTH="$pw" redis-cli dbsize'], { encoding: "utf8" });
    assert.ok(Number(keys.trim()) > 0, `the search's token was spent in the pods' Redis (${keys.trim()} keys)`);
  } finally {
    const downRun = spawnSync(process.execPath, [SCRIPT, "--down"], { env, encoding: "utf8" });
    rmSync(work, { recursive: true, force: true });
    assert.equal(downRun.status, 0, `deploy:local --down failed: ${downRun.stderr}`);
  }
  assert.equal(podsLeft(), "", "no pod of the deployment is left");
  assert.notEqual(spawnSync("podman", ["network", "exists", name]).status, 0, "its network is removed");
});
