/**
 * The manifests' Redis run for real: deploy/scripts/sentinel-local.mjs plays the `redis`
 * StatefulSet (its start scripts and ConfigMap, unchanged) as three podman pods on the local Redis
 * stand-in, stops the primary's pod and starts it again. Needs podman (installed when missing, as
 * the deploy-local test does; the test fails when it cannot be).
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { test } from "node:test";
import { REPO_ROOT } from "../src/paths.js";

interface Findings {
  pods: number;
  firstPrimary: string;
  quorum: number;
  appendonly: string;
  replicaRole: string;
  ackedSpend: number;
  failoverSeconds: number;
  newPrimary: string;
  ackedSpendAfterFailover: string;
  oldPrimaryRejoinedAs: string;
  ackedSpendOnOldPrimary: string;
}

test("the Redis StatefulSet: a primary, two replicas and three Sentinels; losing the primary promotes a replica, an acknowledged spend survives, the old primary rejoins", { timeout: 900_000 }, () => {
  if (spawnSync("podman", ["--version"], { stdio: "ignore" }).status !== 0) {
    const r = spawnSync(join(REPO_ROOT, "deploy/scripts/install-containers.sh"), [], { encoding: "utf8" });
    assert.equal(r.status, 0, `podman is missing and could not be installed: ${r.stderr}`);
  }
  const r = spawnSync(process.execPath, [join(REPO_ROOT, "deploy/scripts/sentinel-local.mjs")], { encoding: "utf8", env: { ...process.env, SENTINEL_LOCAL_NAME: `sentinel-t${process.pid}` } });
  assert.equal(r.status, 0, `sentinel-local failed: ${r.stderr.slice(-4000)}`);
  const f = JSON.parse(r.stdout.trim().split("\n").at(-1) ?? "{}") as Findings;
  console.log(`failover after stopping the primary's pod: ${f.failoverSeconds} s`);
  assert.equal(f.pods, 3);
  assert.match(f.firstPrimary, /^redis-0\.redis\./, "redis-0 is the first primary");
  assert.equal(f.quorum, 2);
  assert.equal(f.appendonly, "yes");
  assert.equal(f.replicaRole, "slave");
  assert.ok(f.ackedSpend >= 1, "a replica acknowledged the spend (WAIT 1 returns once one has)");
  assert.match(f.newPrimary, /^redis-[12]\.redis\./, "a replica was promoted");
  // down-after-milliseconds is 5 s; the election and promotion take a few seconds more.
  assert.ok(f.failoverSeconds >= 5 && f.failoverSeconds < 60, `failover took ${f.failoverSeconds} s`);
  assert.equal(f.ackedSpendAfterFailover, "1", "the acknowledged spend is on the new primary");
  assert.equal(f.oldPrimaryRejoinedAs, "replica");
  assert.equal(f.ackedSpendOnOldPrimary, "1");
});
