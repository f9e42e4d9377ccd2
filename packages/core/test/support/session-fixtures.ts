import { afterEach } from "vitest";
import { SessionHost, type SessionHostOptions, SessionRegistry, silentLogger } from "../../src/index.js";
import { recordingLogger } from "../../src/testing/index.js";
import { ReferenceStore } from "./reference-store.js";

/**
 * Stores, registries and hosts for the session-layer fault tests, each closed after its test
 * (hosts first, then stores).
 */
export function sessionFixtures() {
  const stores: ReferenceStore[] = [];
  const hosts: SessionHost[] = [];
  afterEach(async () => {
    await Promise.all(hosts.splice(0).map((h) => h.stop().catch(() => undefined)));
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });
  return {
    store(): ReferenceStore {
      const store = new ReferenceStore();
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
