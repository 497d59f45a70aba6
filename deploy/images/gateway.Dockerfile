# syntax=docker/dockerfile:1
# The gateway image. Build from the repository root (the .dockerignore there keeps node_modules,
# dist and .dev out of the context):
#   docker build -f deploy/images/gateway.Dockerfile -t registry.example.com/oblivious/gateway:0.1.0 .
# The base of every stage is the build argument BASE_IMAGE: by default the official Node.js image,
# pinned by exact tag (pin it by digest too when you build: `--build-arg BASE_IMAGE=node:...@sha256:...`).
# `npm run images` passes a local stand-in on machines that cannot pull images
# (docs/decisions/0024-local-base-image.md).
ARG BASE_IMAGE=node:26.12.1-bookworm-slim

# Every workspace's package.json: npm ci checks the whole lockfile against them.
FROM ${BASE_IMAGE} AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY libs/wire/package.json libs/wire/
COPY libs/http1/package.json libs/http1/
COPY libs/bhttp/package.json libs/bhttp/
COPY libs/ohttp/package.json libs/ohttp/
COPY libs/service-kit/package.json libs/service-kit/
COPY libs/p256-native/package.json libs/p256-native/
COPY libs/privacypass/package.json libs/privacypass/
COPY libs/token-gate/package.json libs/token-gate/
COPY libs/test-kit/package.json libs/test-kit/
COPY libs/client/package.json libs/client/
COPY services/relay/package.json services/relay/
COPY services/gateway/package.json services/gateway/
COPY services/issuer/package.json services/issuer/
COPY services/sticker-search/package.json services/sticker-search/
COPY services/telemetry/package.json services/telemetry/
COPY scripts/package.json scripts/
COPY e2e/package.json e2e/
COPY deploy/package.json deploy/

# Build: all dependencies, then the TypeScript build of every service (the same in the five
# Dockerfiles, so that building them one after another compiles once and shares this layer).
FROM manifests AS build
RUN --mount=type=cache,id=oblivious-npm,target=/root/.npm,sharing=locked npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY libs libs
COPY services services
RUN npx tsc -b services/relay services/gateway services/issuer services/sticker-search services/telemetry
# ARC's OpenSSL addon (libs/p256-native, decision 0055): a C compiler in this stage only (the
# runtime stage gets the built addon, no compiler); required here, so an image never silently runs
# ARC on the slower node:crypto fallback.
RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev && rm -rf /var/lib/apt/lists/*
RUN P256_NATIVE_REQUIRED=1 node libs/p256-native/build.mjs

# Production dependencies of this workspace only (no compilers, no test tools).
FROM manifests AS deps
RUN --mount=type=cache,id=oblivious-npm,target=/root/.npm,sharing=locked npm ci --omit=dev --workspace @oblivious/gateway --ignore-scripts --no-audit --no-fund

# Runtime: node, production node_modules and compiled JavaScript; no sources, no npm. Files stay
# owned by root, so the service (UID 10001) can read but not change them, and the root filesystem
# can be mounted read-only: the service writes nothing outside /tmp.
FROM ${BASE_IMAGE} AS runtime
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /src/node_modules node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/libs/wire/package.json libs/wire/
COPY --from=build /src/libs/wire/dist/src libs/wire/dist/src
COPY --from=build /src/libs/bhttp/package.json libs/bhttp/
COPY --from=build /src/libs/bhttp/dist/src libs/bhttp/dist/src
COPY --from=build /src/libs/ohttp/package.json libs/ohttp/
COPY --from=build /src/libs/ohttp/dist/src libs/ohttp/dist/src
COPY --from=build /src/libs/http1/package.json libs/http1/
COPY --from=build /src/libs/http1/dist/src libs/http1/dist/src
COPY --from=build /src/libs/service-kit/package.json libs/service-kit/
COPY --from=build /src/libs/service-kit/dist/src libs/service-kit/dist/src
COPY --from=build /src/services/gateway/package.json services/gateway/
COPY --from=build /src/services/gateway/dist/src services/gateway/dist/src
USER 10001:10001
EXPOSE 8081 9081
ENTRYPOINT ["node", "services/gateway/dist/src/main.js"]
