/**
 * The key prefix of the Python original's `RedisSessionKVStore` (its `key_prefix` default). A
 * TypeScript store shares a Redis with Python nodes only when both use the same prefix; see the
 * README, "Sharing a store with Python nodes".
 */
export const VISION_AGENTS_KEY_PREFIX = "vision_agents:";
