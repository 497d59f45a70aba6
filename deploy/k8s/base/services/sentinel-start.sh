#!/bin/sh
# Starts this pod's Sentinel, monitoring the primary the other Sentinels name (or redis-0 on the
# StatefulSet's first start). Sentinel rewrites its own file, so it lives in the `sentinel`
# emptyDir; a restarted Sentinel learns the current state again from its peers.
set -eu
umask 077
password=$(cat /etc/redis/auth/password)
sentinel_password=$(cat /etc/redis/auth/sentinel-password)
domain="redis.${POD_NAMESPACE}.svc.cluster.local"
self="$(hostname).${domain}"
primary=""
i=0
while [ "$i" -lt "${REDIS_PODS}" ]; do
  peer="redis-${i}.${domain}"
  if [ "$peer" != "$self" ]; then
    answer=$(REDISCLI_AUTH="$sentinel_password" timeout 3 redis-cli -h "$peer" -p 26379 --raw \
      sentinel get-master-addr-by-name "${REDIS_SENTINEL_NAME}" 2>/dev/null | head -n 1) || answer=""
    case "$answer" in "" | *ERR* | *rror*) ;; *) primary=$answer; break ;; esac
  fi
  i=$((i + 1))
done
[ -n "$primary" ] || primary="redis-0.${domain}"
# Sentinel refuses a primary whose name does not resolve yet: wait for its DNS record.
n=0
until REDISCLI_AUTH="$password" timeout 3 redis-cli -h "$primary" -p 6379 ping >/dev/null 2>&1; do
  n=$((n + 1)); [ "$n" -lt 120 ] || { echo "sentinel: primary ${primary} unreachable" >&2; exit 1; }
  sleep 1
done
cat > /sentinel/sentinel.conf <<CONF
port 26379
bind * -::*
dir /sentinel
requirepass ${sentinel_password}
sentinel sentinel-pass ${sentinel_password}
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel announce-ip ${self}
sentinel monitor ${REDIS_SENTINEL_NAME} ${primary} 6379 ${REDIS_SENTINEL_QUORUM}
sentinel auth-pass ${REDIS_SENTINEL_NAME} ${password}
sentinel down-after-milliseconds ${REDIS_SENTINEL_NAME} 5000
sentinel failover-timeout ${REDIS_SENTINEL_NAME} 30000
sentinel parallel-syncs ${REDIS_SENTINEL_NAME} 1
CONF
exec redis-server /sentinel/sentinel.conf --sentinel
