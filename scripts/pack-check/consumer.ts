// A user's file in a fresh project: it must typecheck against the packed packages alone.
import {
  type CloseReason,
  type HostedSession,
  SessionHost,
  SessionRegistry,
  isSessionKVError,
} from "@sessionkv/core";
import { BaseSessionKVStore } from "@sessionkv/core/store-kit";
import { RedisSessionKVStore, VISION_AGENTS_KEY_PREFIX } from "@sessionkv/redis";

const store = new RedisSessionKVStore({ url: "redis://127.0.0.1:6379", keyPrefix: VISION_AGENTS_KEY_PREFIX });
const registry = new SessionRegistry({ store, nodeId: "node-1" });
const host = new SessionHost({ registry });
const session: HostedSession = { close(_reason: CloseReason) {}, metrics: () => ({ turns: 1 }) };
export const parts = [host, session, BaseSessionKVStore, isSessionKVError] as const;
