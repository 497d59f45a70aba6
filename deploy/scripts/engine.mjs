// The container engine for `npm run images` and `npm run deploy:local`: podman, or docker when a
// Docker daemon answers. Commands run with their output shown, or captured when asked.
import { execFileSync, spawnSync } from "node:child_process";

/** Runs a command; throws with its stderr when it fails. `capture` returns stdout instead of showing it. */
export function run(cmd, args, { capture = false, input, env, cwd } = {}) {
  const r = spawnSync(cmd, args, {
    stdio: [input === undefined ? "inherit" : "pipe", capture ? "pipe" : "inherit", capture ? "pipe" : "inherit"],
    input,
    env: env ?? process.env,
    cwd,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.error) throw new Error(`${cmd}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${cmd} ${args.slice(0, 3).join(" ")} ... exited with ${r.status}${capture ? `: ${r.stderr.trim().slice(-2000)}` : ""}`);
  return capture ? r.stdout : "";
}

/** True when the command exits 0 (output discarded). */
export function succeeds(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: "ignore" });
  return r.status === 0;
}

function has(cmd) {
  try {
    execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/**
 * `CONTAINER_ENGINE=podman|docker` forces one. Otherwise docker when its daemon answers (a docker
 * client alone is not enough), else podman. Neither: an error naming the install script.
 */
export function detectEngine() {
  const forced = process.env.CONTAINER_ENGINE;
  if (forced === "podman" || forced === "docker") return forced;
  if (forced) throw new Error(`CONTAINER_ENGINE=${forced}: use podman or docker`);
  if (has("docker") && succeeds("docker", ["info"])) return "docker";
  if (has("podman")) return "podman";
  throw new Error("no container engine: install podman with deploy/scripts/install-containers.sh (as root), or start a Docker daemon");
}

export function imageExists(engine, tag) {
  return engine === "podman" ? succeeds("podman", ["image", "exists", tag]) : succeeds("docker", ["image", "inspect", tag]);
}
