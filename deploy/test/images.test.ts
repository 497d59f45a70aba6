// The service images, checked statically: every Dockerfile passes every image policy, and each
// policy catches its own broken variant of a real Dockerfile (and no unrelated policy does).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkImage, IMAGE_POLICIES, IMAGES_DIR, parseDockerfile, runtimeLibs, SERVICES, unpinnedReason, workspaceDirs, type ImageInput, type ServiceName } from "../src/index.js";

const NAMES = Object.keys(SERVICES) as ServiceName[];
const workspaces = workspaceDirs();

function input(service: ServiceName, text?: string): ImageInput {
  return {
    service,
    text: text ?? readFileSync(join(IMAGES_DIR, `${service}.Dockerfile`), "utf8"),
    ports: [SERVICES[service].public, SERVICES[service].admin],
    libs: runtimeLibs(`services/${service}`),
    workspaces,
  };
}

function firing(i: ImageInput): string[] {
  return [...new Set(checkImage(i).map((v) => v.policy))].sort();
}

interface Fixture {
  readonly name: string;
  readonly service: ServiceName;
  readonly caughtBy: string;
  readonly from: string | RegExp;
  readonly to: string;
}

const FIXTURES: readonly Fixture[] = [
  { name: "no TypeScript build", service: "relay", caughtBy: "image-multi-stage", from: /RUN npx tsc -b [^\n]*\n/, to: "" },
  { name: "the runtime installs packages", service: "gateway", caughtBy: "image-multi-stage", from: "ENV NODE_ENV=production\n", to: "ENV NODE_ENV=production\nRUN npm ci --omit=dev\n" },
  { name: "a floating base tag", service: "issuer", caughtBy: "image-pinned-base", from: "FROM ${BASE_IMAGE} AS runtime", to: "FROM node:26-bookworm-slim AS runtime" },
  { name: "an untagged base", service: "telemetry", caughtBy: "image-pinned-base", from: "FROM ${BASE_IMAGE} AS manifests", to: "FROM node AS manifests" },
  { name: "a floating default for the base build argument", service: "gateway", caughtBy: "image-pinned-base", from: /ARG BASE_IMAGE=\S+/, to: "ARG BASE_IMAGE=node:lts-bookworm-slim" },
  { name: "a base build argument without a default", service: "relay", caughtBy: "image-pinned-base", from: /ARG BASE_IMAGE=\S+/, to: "ARG BASE_IMAGE" },
  { name: "a named user (runAsNonRoot cannot verify it)", service: "relay", caughtBy: "image-non-root", from: "USER 10001:10001", to: "USER node" },
  { name: "root", service: "sticker-search", caughtBy: "image-non-root", from: "USER 10001:10001", to: "USER 0:0" },
  { name: "no USER at all", service: "gateway", caughtBy: "image-non-root", from: "USER 10001:10001\n", to: "" },
  { name: "dev dependencies in the runtime", service: "relay", caughtBy: "image-production-deps", from: "npm ci --omit=dev --workspace", to: "npm ci --workspace" },
  { name: "node_modules from the build stage", service: "issuer", caughtBy: "image-production-deps", from: "COPY --from=deps /src/node_modules node_modules", to: "COPY --from=build /src/node_modules node_modules" },
  { name: "sources in the runtime", service: "telemetry", caughtBy: "image-production-deps", from: "COPY --from=build /src/package.json ./\n", to: "COPY --from=build /src/package.json ./\nCOPY --from=build /src/services/telemetry/src services/telemetry/src\n" },
  { name: "a data volume", service: "gateway", caughtBy: "image-read-only", from: "USER 10001:10001", to: "VOLUME /app/data\nUSER 10001:10001" },
  { name: "files owned by the service user", service: "relay", caughtBy: "image-read-only", from: "COPY --from=build /src/services/relay/dist/src", to: "COPY --chown=10001:10001 --from=build /src/services/relay/dist/src" },
  { name: "a shell-form entrypoint", service: "issuer", caughtBy: "image-entrypoint", from: 'ENTRYPOINT ["node", "services/issuer/dist/src/main.js"]', to: "ENTRYPOINT node services/issuer/dist/src/main.js" },
  { name: "the admin port not exposed", service: "sticker-search", caughtBy: "image-entrypoint", from: `EXPOSE ${SERVICES["sticker-search"].public} ${SERVICES["sticker-search"].admin}`, to: `EXPOSE ${SERVICES["sticker-search"].public}` },
  { name: "a workspace manifest missing before npm ci", service: "gateway", caughtBy: "image-workspaces", from: "COPY libs/token-gate/package.json libs/token-gate/\n", to: "" },
  { name: "a needed library missing from the runtime", service: "relay", caughtBy: "image-workspaces", from: "COPY --from=build /src/libs/service-kit/dist/src libs/service-kit/dist/src\n", to: "" },
];

describe("service images", () => {
  for (const s of NAMES) {
    it(`${s}: passes every image policy`, () => {
      assert.deepEqual(checkImage(input(s)), []);
    });
  }

  it("the runtime carries each service's workspace libraries, as package.json files say", () => {
    assert.deepEqual(runtimeLibs("services/relay"), ["http1", "service-kit", "wire"]);
    assert.deepEqual(runtimeLibs("services/gateway"), ["bhttp", "http1", "ohttp", "service-kit", "wire"]);
  });

  it("the parser follows stages and line continuations", () => {
    const stages = parseDockerfile("# c\nFROM a:1.2.3 AS one\nRUN x \\\n  && y\nFROM one\nUSER 1:1\n");
    assert.deepEqual(stages.map((s) => [s.from, s.name, s.instructions.map((i) => `${i.keyword} ${i.args}`)]), [
      ["a:1.2.3", "one", ["RUN x    && y"]],
      ["one", undefined, ["USER 1:1"]],
    ]);
  });

  it("the parser gives FROM lines the defaults of the ARGs declared before the first FROM", () => {
    const stages = parseDockerfile("ARG V=1.2.3\nARG BASE=a:${V}\nFROM ${BASE} AS one\nARG LATER=x\nFROM $BASE\n");
    assert.deepEqual(stages.map((s) => [s.from, s.name]), [
      ["a:1.2.3", "one"],
      ["a:1.2.3", undefined],
    ]);
  });

  for (const f of FIXTURES) {
    it(`${f.caughtBy}: ${f.name}`, () => {
      const original = input(f.service).text;
      const text = original.replace(f.from, f.to);
      assert.notEqual(text, original, "the fixture changes the Dockerfile");
      assert.deepEqual(firing(input(f.service, text)), [f.caughtBy]);
    });
  }

  it("every image policy has a fixture", () => {
    const covered = new Set(FIXTURES.map((f) => f.caughtBy));
    assert.deepEqual(IMAGE_POLICIES.map((p) => p.id).filter((id) => !covered.has(id)), []);
  });

  it("pinning: digests and exact versions only", () => {
    for (const ok of ["node:20.20.2-bookworm-slim", "redis:7.4.2-alpine", "getmeili/meilisearch:v1.21.0", `registry.example.com:5000/x/y@sha256:${"a".repeat(64)}`]) {
      assert.equal(unpinnedReason(ok), undefined, ok);
    }
    for (const bad of ["node", "node:latest", "node:20", "redis:alpine", "registry.example.com:5000/x/y", "x@sha256:abc"]) {
      assert.notEqual(unpinnedReason(bad), undefined, bad);
    }
  });

  it("the proposed .dockerignore keeps installs, build output and local keys out of the context", () => {
    const lines = readFileSync(join(IMAGES_DIR, "dockerignore"), "utf8").split("\n");
    for (const needed of ["**/node_modules", "**/dist", "**/*.tsbuildinfo", ".git", ".dev"]) assert.ok(lines.includes(needed), needed);
  });
});
