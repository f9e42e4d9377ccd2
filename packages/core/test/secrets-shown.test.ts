import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { SessionHost, SessionRegistry, silentLogger } from "../src/index.js";
import { ReferenceStore } from "./support/reference-store.js";

const SECRET = "p4ssw0rd-in-the-client-options";

/**
 * A backend with a public driver client whose options carry the password, as ioredis's do, held
 * as the core README's "Writing a backend" asks: a private field behind a getter, since
 * `structuredClone` copies every own field and no method of the base class can stop it.
 */
class ClientHoldingStore extends ReferenceStore {
  readonly #client = { options: { password: SECRET }, status: "ready" };
  get client(): { options: { password: string } } {
    return this.#client;
  }
}

/** A store written outside core (no base class), with the same public client. */
function thirdPartyStore(): ReferenceStore {
  const store = new ReferenceStore();
  return Object.assign(Object.create(store), { client: { options: { password: SECRET } } }) as ReferenceStore;
}

/** Every road by which a logger turns an object into text. */
function shown(value: unknown): string[] {
  const cloned = (() => {
    try {
      return inspect(structuredClone(value), { depth: 20, showHidden: true });
    } catch (error) {
      return String(error);
    }
  })();
  return [JSON.stringify(value), inspect(value, { depth: 20, showHidden: true }), cloned];
}

describe("secrets in JSON.stringify, util.inspect and structuredClone", () => {
  it("a store on the base class shows a summary, never its client", async () => {
    const store = new ClientHoldingStore();
    await store.start();
    for (const text of shown(store)) expect(text).not.toContain(SECRET);
    expect(JSON.parse(JSON.stringify(store))).toEqual({
      store: "ClientHoldingStore",
      state: "started",
      capabilities: store.capabilities,
    });
    expect(inspect(store)).toMatch(/^ClientHoldingStore \{\s+state: 'started',\s+capabilities: \{/);
  });

  it("a registry and a host show their settings and the store's class, even over a store that leaks", async () => {
    const store = thirdPartyStore();
    const registry = new SessionRegistry({ store, nodeId: "n", ttlMs: 30_000, logger: silentLogger });
    const host = new SessionHost({ registry, maintenanceIntervalMs: 5_000, logger: silentLogger });
    for (const text of [...shown(registry), ...shown(host)]) expect(text).not.toContain(SECRET);
    expect(JSON.parse(JSON.stringify(host))).toEqual({
      maintenanceIntervalMs: 5_000,
      operationTimeoutMs: expect.any(Number),
      running: false,
      sessions: 0,
      registry: { nodeId: "n", ttlMs: 30_000, running: false, store: "ReferenceStore" },
    });
    // Still reachable where the application asks for them.
    expect(host.registry).toBe(registry);
    expect(registry.store).toBe(store);
  });
});
