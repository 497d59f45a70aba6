// What counts as a secret in configuration, and what must not (false alarms would teach people to
// ignore the policy).
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { SERVICES, secretLikeReason } from "../src/index.js";

describe("secret scan", () => {
  const secret: [string, string][] = [
    ["MEILI_MASTER_KEY", "anything"],
    ["ISSUER_KEYS", "{}"],
    ["REDIS_PASSWORD", "x"],
    ["API_TOKEN", "x"],
    ["DB_URL", "postgres://app:pa55word@db:5432/x"],
    ["jwks.json", '{"keys":[{"kty":"OKP","crv":"Ed25519","x":"abc","d":"secret"}]}'],
    ["tls.txt", "-----BEGIN EC PRIVATE KEY-----\nabc\n-----END EC PRIVATE KEY-----"],
    ["redis.conf", "port 6379\nrequirepass hunter2\n"],
    ["sentinel-start.sh", 'cat > s.conf <<CONF\nrequirepass "hunter2"\nCONF\n'],
    ["start.sh", "password=hunter2\nexec redis-server\n"],
    ["NOTE", "Zk3JqP9vX2mR7tW4yB8nC1dF6gH0sL5aE"],
    ["DIGEST", "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"],
  ];
  const fine: [string, string][] = [
    ["GATEWAY_KEYS_FILE", "/var/run/secrets/oblivious/gateway-keys/keys.json"],
    ["MEILI_API_KEY_FILE", "/var/run/secrets/oblivious/meilisearch/master-key"],
    ["GATEWAY_KEY_RELOAD", "10s"],
    ["RELAY_GATEWAY_URL", `http://gateway.oblivious-services.svc.cluster.local:${SERVICES.gateway.public}/gateway`],
    ["GATEWAY_TARGETS", `https://sticker-search.internal=http://sticker-search:${SERVICES["sticker-search"].public},https://telemetry.internal=http://telemetry:${SERVICES.telemetry.public}`],
    ["ISSUER_DIRECTORY_URL", `http://issuer:${SERVICES.issuer.public}/.well-known/private-token-issuer-directory`],
    ["redis.conf", "include /etc/redis/auth/auth.conf\nmaxmemory-policy noeviction\n"],
    ["redis-start.sh", 'password=$(cat /etc/redis/auth/password)\necho "requirepass ${password}"\n'],
    ["sentinel-start.sh", "cat > s.conf <<CONF\nrequirepass ${sentinel_password}\nmasterauth $password\nCONF\n"],
  ];
  for (const [name, value] of secret) it(`flags ${name}`, () => assert.notEqual(secretLikeReason(name, value), undefined));
  for (const [name, value] of fine) it(`accepts ${name}`, () => assert.equal(secretLikeReason(name, value), undefined));

  it("a _FILE name holding a value instead of a path is flagged", () => {
    assert.notEqual(secretLikeReason("ISSUER_PSEUDONYM_KEY_FILE", "c2VjcmV0"), undefined);
  });
});
