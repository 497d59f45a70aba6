/**
 * Static checks of the service images (deploy/images/<service>.Dockerfile), since no test here can
 * count on a network or a container runtime. A small parser (instructions, line continuations,
 * stages) and one policy per property the images must have.
 */
import { unpinnedReason } from "./images.js";

export interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

export interface Stage {
  readonly from: string;
  readonly name: string | undefined;
  readonly instructions: readonly Instruction[];
}

export function parseDockerfile(text: string): Stage[] {
  const instructions: Instruction[] = [];
  let pending = "";
  let start = 0;
  text.split("\n").forEach((raw, i) => {
    const line = raw.trimEnd();
    if (pending === "" && /^\s*(#|$)/.test(line)) return;
    if (pending === "") start = i + 1;
    if (line.endsWith("\\")) {
      pending += `${line.slice(0, -1)} `;
      return;
    }
    const full = (pending + line).trim();
    pending = "";
    const m = /^(\S+)\s*(.*)$/.exec(full);
    if (m !== null) instructions.push({ keyword: (m[1] ?? "").toUpperCase(), args: m[2] ?? "", line: start });
  });
  const stages: { from: string; name: string | undefined; instructions: Instruction[] }[] = [];
  // ARGs declared before the first FROM may be used in FROM lines; their defaults are what a build
  // without --build-arg uses, so that is what the policies check.
  const globalArgs = new Map<string, string>();
  for (const ins of instructions) {
    if (ins.keyword === "ARG" && stages.length === 0) {
      const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(ins.args.trim());
      if (m?.[1] !== undefined) globalArgs.set(m[1], substituteArgs(m[2] ?? "", globalArgs));
    } else if (ins.keyword === "FROM") {
      const args = substituteArgs(ins.args, globalArgs).trim();
      const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      // An ARG without a default leaves FROM with no image: checked as an image without a tag.
      stages.push({ from: m?.[1] ?? (/^AS\s/i.test(args) ? "" : args), name: (m?.[2] ?? /^AS\s+(\S+)$/i.exec(args)?.[1])?.toLowerCase(), instructions: [] });
    } else stages.at(-1)?.instructions.push(ins);
  }
  return stages;
}

/** `${NAME}` and `$NAME` replaced by the ARG's default (empty when it has none). */
function substituteArgs(text: string, args: ReadonlyMap<string, string>): string {
  return text.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, braced: string | undefined, bare: string | undefined) => args.get(braced ?? bare ?? "") ?? "");
}

export interface ImageInput {
  readonly service: string;
  readonly text: string;
  /** Public and admin ports the service listens on. */
  readonly ports: readonly number[];
  /** The workspace libraries the service needs at run time (transitively), e.g. `service-kit`. */
  readonly libs: readonly string[];
  /** Every workspace directory of the repository, e.g. `libs/wire`, `services/relay`. */
  readonly workspaces: readonly string[];
}

export interface ImagePolicy {
  readonly id: string;
  readonly rule: string;
  check(input: ImageInput, stages: readonly Stage[]): string[];
}

function final(stages: readonly Stage[]): Stage | undefined {
  return stages.at(-1);
}

function runs(stage: Stage, pattern: RegExp): boolean {
  return stage.instructions.some((i) => i.keyword === "RUN" && pattern.test(i.args));
}

/** `COPY --from=x src... dest` as its parts. */
function copies(stage: Stage): { from: string | undefined; sources: string[]; flags: string[] }[] {
  return stage.instructions
    .filter((i) => i.keyword === "COPY" || i.keyword === "ADD")
    .map((i) => {
      const words = i.args.split(/\s+/);
      const flags = words.filter((w) => w.startsWith("--"));
      const rest = words.filter((w) => !w.startsWith("--"));
      const from = flags.find((f) => f.startsWith("--from="))?.slice("--from=".length).toLowerCase();
      return { from, sources: rest.slice(0, -1), flags };
    });
}

export const multiStage: ImagePolicy = {
  id: "image-multi-stage",
  rule: "a build stage runs npm ci and tsc -b; the runtime stage builds nothing",
  check(_input, stages) {
    const last = final(stages);
    if (stages.length < 2 || last === undefined) return ["has a single stage"];
    const out: string[] = [];
    const earlier = stages.slice(0, -1);
    if (!earlier.some((s) => runs(s, /\bnpm ci\b/)) || !earlier.some((s) => runs(s, /\btsc -b\b/))) out.push("no build stage runs npm ci and tsc -b");
    if (runs(last, /\b(npm (ci|install)|tsc)\b/)) out.push("the runtime stage installs or compiles");
    return out;
  },
};

export const pinnedBase: ImagePolicy = {
  id: "image-pinned-base",
  rule: "every base image is pinned by digest or exact version tag",
  check(_input, stages) {
    const names = new Set<string>();
    const out: string[] = [];
    for (const s of stages) {
      if (!names.has(s.from.toLowerCase())) {
        const reason = unpinnedReason(s.from);
        if (reason !== undefined) out.push(`FROM ${s.from} ${reason}`);
      }
      if (s.name !== undefined) names.add(s.name);
    }
    return out;
  },
};

export const nonRootUser: ImagePolicy = {
  id: "image-non-root",
  rule: "the runtime stage ends as a numeric non-root USER (uid:gid), so runAsNonRoot can verify it",
  check(_input, stages) {
    const users = final(stages)?.instructions.filter((i) => i.keyword === "USER") ?? [];
    const last = users.at(-1);
    if (last === undefined) return ["the runtime stage sets no USER"];
    const m = /^(\d+)(?::(\d+))?$/.exec(last.args.trim());
    if (m === null) return [`USER ${last.args} is not numeric`];
    if (Number(m[1]) === 0 || Number(m[2] ?? "1") === 0) return [`USER ${last.args} is root`];
    return [];
  },
};

export const productionDeps: ImagePolicy = {
  id: "image-production-deps",
  rule: "node_modules come from `npm ci --omit=dev` for this workspace; from the build stage the runtime takes only package.json files and dist/src",
  check(input, stages) {
    const last = final(stages);
    if (last === undefined) return ["no stages"];
    const out: string[] = [];
    const depsStage = stages.find((s) => s !== last && runs(s, new RegExp(`npm ci\\b.*--omit=dev.*--workspace[ =]@oblivious/${input.service}\\b`)));
    if (depsStage?.name === undefined) return [`no named stage runs npm ci --omit=dev --workspace @oblivious/${input.service}`];
    for (const c of copies(last)) {
      if (c.from === undefined) out.push(`copies ${c.sources.join(" ")} from the build context into the runtime`);
      else if (c.sources.some((src) => src.endsWith("/node_modules") || src === "node_modules")) {
        if (c.from !== depsStage.name) out.push(`node_modules come from stage ${c.from}, not ${depsStage.name}`);
      } else if (!c.sources.every((src) => src.endsWith("/package.json") || /\/dist\/src\/?$/.test(src))) out.push(`copies ${c.sources.join(" ")}: only package.json and dist/src belong in the runtime`);
    }
    return out;
  },
};

export const readOnlyFriendly: ImagePolicy = {
  id: "image-read-only",
  rule: "the runtime needs no writable image files: no VOLUME but /tmp, no files chowned or chmodded for the service user",
  check(_input, stages) {
    const last = final(stages);
    const out: string[] = [];
    for (const i of last?.instructions ?? []) {
      if (i.keyword === "VOLUME" && !/^\[?\s*"?\/tmp"?\s*\]?$/.test(i.args)) out.push(`line ${i.line}: VOLUME ${i.args}`);
      if ((i.keyword === "COPY" || i.keyword === "ADD") && /--(chown|chmod)=/.test(i.args)) out.push(`line ${i.line}: ${i.keyword} changes ownership or mode`);
      if (i.keyword === "RUN" && /\b(chown|chmod)\b/.test(i.args)) out.push(`line ${i.line}: RUN changes ownership or mode`);
    }
    return out;
  },
};

export const entrypoint: ImagePolicy = {
  id: "image-entrypoint",
  rule: "the image runs its service's compiled main.js with node (exec form) and exposes its public and admin ports",
  check(input, stages) {
    const ins = final(stages)?.instructions ?? [];
    const out: string[] = [];
    const entry = ins.filter((i) => i.keyword === "ENTRYPOINT").at(-1);
    const expected = JSON.stringify(["node", `services/${input.service}/dist/src/main.js`]);
    let actual: unknown;
    try {
      actual = entry === undefined ? undefined : JSON.parse(entry.args);
    } catch {
      actual = entry?.args;
    }
    if (JSON.stringify(actual) !== expected) out.push(`ENTRYPOINT is not ${expected}`);
    const exposed = ins.filter((i) => i.keyword === "EXPOSE").flatMap((i) => i.args.split(/\s+/).map((p) => Number(p.split("/")[0])));
    const missing = input.ports.filter((p) => !exposed.includes(p));
    if (missing.length > 0) out.push(`does not EXPOSE ${missing.join(", ")}`);
    return out;
  },
};

export const workspaceLayout: ImagePolicy = {
  id: "image-workspaces",
  rule: "npm ci sees every workspace's package.json, and the runtime carries the compiled output of every workspace library the service needs",
  check(input, stages) {
    const out: string[] = [];
    const copied = new Set(stages.flatMap((s) => copies(s).filter((c) => c.from === undefined).flatMap((c) => c.sources)));
    for (const w of input.workspaces) if (!copied.has(`${w}/package.json`)) out.push(`${w}/package.json is not copied before npm ci`);
    const runtime = new Set(copies(final(stages) ?? { from: "", name: undefined, instructions: [] }).flatMap((c) => c.sources));
    for (const lib of input.libs) {
      for (const path of [`/src/libs/${lib}/package.json`, `/src/libs/${lib}/dist/src`]) if (!runtime.has(path)) out.push(`the runtime lacks ${path}`);
    }
    return out;
  },
};

export const IMAGE_POLICIES: readonly ImagePolicy[] = [multiStage, pinnedBase, nonRootUser, productionDeps, readOnlyFriendly, entrypoint, workspaceLayout];

export interface ImageViolation {
  readonly policy: string;
  readonly message: string;
}

export function checkImage(input: ImageInput, policies: readonly ImagePolicy[] = IMAGE_POLICIES): ImageViolation[] {
  const stages = parseDockerfile(input.text);
  return policies.flatMap((p) => p.check(input, stages).map((message) => ({ policy: p.id, message })));
}
