// Helpers the packages' tests share, one version of each; test code only, never a runtime dependency.
export { closeServer, listen, status } from "./http.js";
export { textForms } from "./leaks.js";
export { LineCapture } from "./lines.js";
export { freePort } from "./ports.js";
export { startMeiliProcess, type MeiliProcess, type MeiliProcessOptions } from "./meili-process.js";
export { RawHttpClient, type RawAnswer } from "./raw-http.js";
export { startRedisServer, type RedisServer } from "./redis-server.js";
export { redisCli, startRedisNode, startRedisSentinelSet, type RedisNode, type RedisNodeOptions, type RedisSentinelOptions, type RedisSentinelSet } from "./redis-sentinel.js";
export { SHARED_REDIS_URL, pingSharedRedis, redisConnected, type ConnectingRedis } from "./shared-redis.js";
export { TEST_ISSUER_NAME, makeIssuer, mintToken, tokenChallenge, type ChallengeOptions, type MintedToken, type TestIssuer } from "./tokens.js";
export { MB, heldAfterClose, heldBytes, nonReaders, slowReader, slowloris, withProbed, type NonReadersFigures, type SlowReaderFigures, type SlowlorisFigures } from "./hostile-clients.js";
export { pipelineWithoutReading, spawnProbed, type NonReader, type ProbedMemory, type ProbedProcess } from "./slow-reader.js";
