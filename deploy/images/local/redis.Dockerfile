# Local stand-in for the Redis image of deploy/k8s, used only by `npm run deploy:local` on
# machines that cannot pull images: Debian's redis-server (which also runs as Sentinel) on the
# local base image. Production uses the pinned official image the manifests name.
ARG BASE_IMAGE=localhost/oblivious/node-base:26-bookworm
FROM ${BASE_IMAGE}
RUN apt-get update \
  && apt-get install -y --no-install-recommends redis-server redis-tools \
  && rm -rf /var/lib/apt/lists/* \
  # Debian's /etc/redis (mode 2770, its own redis user) would hide the Secret the manifests mount
  # at /etc/redis/auth from UID 999; the configuration comes from the manifests instead.
  && rm -rf /etc/redis
USER 999:999
CMD ["redis-server"]
