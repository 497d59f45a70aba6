#!/bin/sh
# Starts this pod's Redis: as a replica of the primary the Sentinels name, or, when no Sentinel
# answers (the first start of the StatefulSet), as the primary if this is redis-0 and as its
# replica otherwise. The password comes from the mounted Secret and goes into a file under /tmp
# (memory-backed, this container's only), never onto a command line.
set -eu
umask 077
password=$(cat /etc/redis/auth/password)
sentinel_password=$(cat /etc/redis/auth/sentinel-password)
domain="redis.${POD_NAMESPACE}.svc.cluster.local"
self="$(hostname).${domain}"
primary=""
i=0
while [ "$i" -lt "${REDIS_PODS}" ]; do
  answer=$(REDISCLI_AUTH="$sentinel_password" timeout 3 redis-cli -h "redis-${i}.${domain}" -p 26379 --raw \
    sentinel get-master-addr-by-name "${REDIS_SENTINEL_NAME}" 2>/dev/null | head -n 1) || answer=""
  case "$answer" in "" | *ERR* | *rror*) ;; *) primary=$answer; break ;; esac
  i=$((i + 1))
done
[ -n "$primary" ] || primary="redis-0.${domain}"
{
  echo "include /usr/local/etc/redis/redis.conf"
  echo "requirepass ${password}"
  echo "masterauth ${password}"
  echo "replica-announce-ip ${self}"
  if [ "$primary" != "$self" ]; then echo "replicaof ${primary} 6379"; fi
} > /tmp/redis.conf
exec redis-server /tmp/redis.conf
