// Helpers the packages' tests share, one version of each; test code only, never a runtime dependency.
export { closeServer, listen, status } from "./http.js";
export { textForms } from "./leaks.js";
export { LineCapture } from "./lines.js";
export { freePort, freePorts } from "./ports.js";
export { startMeiliProcess, type MeiliProcess } from "./meili-process.js";
export { RawHttpClient, type RawAnswer } from "./raw-http.js";
export { startRedisServer } from "./redis-server.js";
export { redisCli, startRedisNode, startRedisSentinelSet, type RedisNode, type RedisSentinelSet } from "./redis-sentinel.js";
export { SHARED_REDIS_URL, pingSharedRedis, redisConnected } from "./shared-redis.js";
export { TEST_ISSUER_NAME, makeIssuer, mintToken, tokenChallenge, type MintedToken, type TestIssuer } from "./tokens.js";
export { MB, heldAfterClose, nonReaders, slowReader, slowloris, withProbed } from "./hostile-clients.js";
export { pipelineWithoutReading } from "./slow-reader.js";
