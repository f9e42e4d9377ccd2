import { SessionHost, type SessionHostOptions, SessionRegistry, silentLogger } from "@sessionkv/core";
import { InMemorySessionKVStore } from "@sessionkv/memory";
import { afterEach } from "vitest";
import { recordingLogger } from "../src/cases/registry-support.js";

/**
 * Stores, registries and hosts for the session-layer fault tests, each closed after its test
 * (hosts first, then stores).
 */
export function sessionFixtures() {
  const stores: InMemorySessionKVStore[] = [];
  const hosts: SessionHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop().catch(() => undefined)));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  return {
    memory(options: ConstructorParameters<typeof InMemorySessionKVStore>[0] = {}): InMemorySessionKVStore {
      const store = new InMemorySessionKVStore(options);
      stores.push(store);
      return store;
    },
    registry(options: ConstructorParameters<typeof SessionRegistry>[0]): SessionRegistry {
      return new SessionRegistry({ logger: silentLogger, ...options });
    },
    host(options: SessionHostOptions): SessionHost {
      const made = new SessionHost({ logger: recordingLogger(), ...options });
      hosts.push(made);
      return made;
    },
  };
}
