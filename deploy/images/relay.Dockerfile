# syntax=docker/dockerfile:1
# The relay image. Build from the repository root (the .dockerignore there keeps node_modules,
# dist and .dev out of the context):
#   docker build -f deploy/images/relay.Dockerfile -t registry.example.com/oblivious/relay:0.1.0 .
# Base images are pinned by exact tag; pin them by digest too when you build (`FROM node:...@sha256:...`).

# Every workspace's package.json: npm ci checks the whole lockfile against them.
FROM node:20.20.2-bookworm-slim AS manifests
WORKDIR /src
COPY package.json package-lock.json ./
COPY libs/wire/package.json libs/wire/
COPY libs/bhttp/package.json libs/bhttp/
COPY libs/ohttp/package.json libs/ohttp/
COPY libs/service-kit/package.json libs/service-kit/
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

# Build: all dependencies, then the TypeScript build of this service and what it references.
FROM manifests AS build
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.base.json ./
COPY libs libs
COPY services services
RUN npx tsc -b services/relay

# Production dependencies of this workspace only (no compilers, no test tools).
FROM manifests AS deps
RUN npm ci --omit=dev --workspace @oblivious/relay --ignore-scripts --no-audit --no-fund

# Runtime: node, production node_modules and compiled JavaScript; no sources, no npm. Files stay
# owned by root, so the service (UID 10001) can read but not change them, and the root filesystem
# can be mounted read-only: the service writes nothing outside /tmp.
FROM node:20.20.2-bookworm-slim AS runtime
RUN rm -rf /usr/local/lib/node_modules/npm /usr/local/lib/node_modules/corepack /usr/local/bin/npm /usr/local/bin/npx /usr/local/bin/corepack
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /src/node_modules node_modules
COPY --from=build /src/package.json ./
COPY --from=build /src/libs/service-kit/package.json libs/service-kit/
COPY --from=build /src/libs/service-kit/dist/src libs/service-kit/dist/src
COPY --from=build /src/services/relay/package.json services/relay/
COPY --from=build /src/services/relay/dist/src services/relay/dist/src
USER 10001:10001
EXPOSE 8080 9080
ENTRYPOINT ["node", "services/relay/dist/src/main.js"]
