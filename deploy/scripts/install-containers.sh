#!/usr/bin/env bash
# Installs what `npm run images` and `npm run deploy:local` need from Debian's packages (podman,
# runc, debootstrap) and writes the container engine's settings for this kind of machine. Run as
# root; idempotent: a second run installs nothing and leaves the settings file as it is.
#
#   - runtime runc: crun refuses hybrid cgroup mounts (cgroup v1 controllers next to v2).
#   - default_ulimits at or below the host's: without CAP_SYS_RESOURCE, a container cannot be
#     given more than its parent has, and podman's defaults ask for more.
# See docs/decisions/0024-local-base-image.md.
set -euo pipefail

# netavark + aardvark-dns: podman's network stack (CNI is deprecated); deploy:local gives its pods
# static addresses on a network of its own. catatonit: the pause process of kube play's pods.
PACKAGES=(podman runc debootstrap netavark aardvark-dns catatonit iptables uidmap)
CONF=/etc/containers/containers.conf
MARK="# written by deploy/scripts/install-containers.sh"

if [ "$(id -u)" -ne 0 ]; then
  echo "install-containers: run as root (apt-get install and $CONF)" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  # Other jobs on the machine may hold the dpkg lock for a while: wait for it rather than fail.
  apt_get() { apt-get -o DPkg::Lock::Timeout=300 -y --no-install-recommends "$@"; }
  apt_get install "${missing[@]}" || { apt-get -o DPkg::Lock::Timeout=300 update && apt_get install "${missing[@]}"; }
fi

# The settings podman needs here. A file written by someone else is left alone unless it lacks
# them, in which case this says so and stops: merging TOML by hand is not this script's job.
want() {
  cat <<CONF
$MARK
[containers]
default_ulimits = [
  "nofile=4096:4096",
  "nproc=4096:4096",
]

[engine]
runtime = "runc"

[network]
network_backend = "netavark"
CONF
}
mkdir -p "$(dirname "$CONF")"
if [ ! -s "$CONF" ]; then
  want > "$CONF"
elif grep -qF "$MARK" "$CONF"; then
  [ "$(cat "$CONF")" = "$(want)" ] || want > "$CONF"
elif ! { grep -q '^runtime *= *"runc"' "$CONF" && grep -q 'nofile=4096:4096' "$CONF" && grep -q 'nproc=4096:4096' "$CONF" && grep -q '^network_backend *= *"netavark"' "$CONF"; }; then
  echo "install-containers: $CONF exists and lacks runtime = \"runc\" or the 4096 ulimits; add them (see this script)" >&2
  exit 1
fi

podman --version
