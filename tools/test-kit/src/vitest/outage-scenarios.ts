import {
  type Rejection,
  bytes,
  codeOf,
  eventually,
  leakedSecrets,
  rejectEveryOperation,
  rejection,
  text,
} from "@sessionkv/conformance/testing";
import { ErrorCode, type SessionKVStore } from "@sessionkv/core";
import { describe, expect, it } from "vitest";
// Types only: this binding never loads the containers module (nor testcontainers) itself.
import type { ServerTarget, StartedServer } from "../containers/index.ts";
import { forEachTarget } from "./for-each-target.ts";

export type OutageScenario = "paused" | "restarted" | "stopped" | "absent";

export interface StoreSettings {
  readonly keyPrefix: string;
  readonly operationTimeoutMs: number;
}

export interface OutageScenarioOptions {
  /** `false` registers the scenarios as skipped (e.g. `(await requireContainers()).run`). Default true. */
  readonly run?: boolean;
  /** A new, not yet started store that creates its own client for `server`. */
  readonly createStore: (server: StartedServer, settings: StoreSettings) => SessionKVStore;
  /** How a store is started before a scenario; default `store.start()` (a backend may retry, e.g. while a table is created). */
  readonly startStore?: (store: SessionKVStore) => Promise<unknown>;
  /**
   * A new, not yet started store over a client the caller created (the store must not close it):
   * the stopped-server scenario runs it next to the store's own client. `defer` registers the
   * client's cleanup.
   */
  readonly createStoreWithClient?: (
    server: StartedServer,
    settings: StoreSettings,
    defer: (step: () => unknown) => void,
  ) => SessionKVStore | Promise<SessionKVStore>;
  /** Default all four: silent (paused), restarted, dead (stopped), never there (absent) server. */
  readonly scenarios?: readonly OutageScenario[];
  /** What a restart leaves: a persisting server keeps data (and expiry), an in-memory one loses it. */
  readonly restartKeepsData?: boolean;
  /** After the stopped scenario, a new server on the same port: the same store must work again. */
  readonly recoversOnNewServer?: boolean;
  /** Rejections whose cause must be the driver's error (the connection is known to be gone; a deadline has none). */
  readonly driverCauseWhen?: { readonly paused?: boolean; readonly stopped?: boolean };
  /** Secrets the store was given: no rejection may reveal one (see `leakedSecrets`). */
  readonly secrets?: readonly string[];
  /** Backend-specific operations run next to `everyOperation`'s (e.g. a second listing path). */
  readonly extraOperations?: (store: SessionKVStore) => [string, () => Promise<unknown>][];
  /** Extra checks on each rejection during an outage. */
  readonly checkRejection?: (
    scenario: OutageScenario,
    outcome: Rejection & { readonly name: string },
  ) => void;
  /** Extra checks once the store worked again after the pause (e.g. nothing left queued in the client). */
  readonly afterRecovery?: (store: SessionKVStore) => unknown;
  /** Default 1,000. */
  readonly operationTimeoutMs?: number;
  /** Allowed on top of the deadline (a loaded machine's timers). Default 2,000: the claim is "settles, does not hang". */
  readonly slackMs?: number;
}

/**
 * The server goes silent (paused), restarts, dies (stopped) or is not there at all under a store:
 * every operation settles with ERR_STORE_UNAVAILABLE within its deadline, a burst does not pile up,
 * and the store works again once the server is back, without being recreated. One `describe` per
 * target; every scenario starts its own server; scenarios not chosen are not registered.
 */
export function describeOutageScenarios(
  name: string,
  targets: readonly ServerTarget[],
  options: OutageScenarioOptions,
): void {
  const timeoutMs = options.operationTimeoutMs ?? 1_000;
  const settledWithinMs = timeoutMs + (options.slackMs ?? 2_000);
  const scenarios = new Set(options.scenarios ?? ["paused", "restarted", "stopped", "absent"]);
  const start = options.startStore ?? ((store: SessionKVStore) => store.start());

  describe.skipIf(options.run === false)(name, () => {
    forEachTarget(targets, { start: false }, ({ target, track }) => {
      const serve = async (): Promise<StartedServer> =>
        track(await target.start(), (server) => server.stop());
      const settings = (keyPrefix: string): StoreSettings => ({ keyPrefix, operationTimeoutMs: timeoutMs });
      const storeOn = async (server: StartedServer, keyPrefix: string): Promise<SessionKVStore> => {
        const store = track(options.createStore(server, settings(keyPrefix)));
        await start(store);
        return store;
      };

      const expectAllUnavailable = async (
        scenario: OutageScenario,
        store: SessionKVStore,
        driverCause: boolean,
      ): Promise<void> => {
        const outcomes = await rejectEveryOperation(store, options.extraOperations?.(store));
        for (const outcome of outcomes) {
          expect(codeOf(outcome.error), outcome.name).toBe(ErrorCode.STORE_UNAVAILABLE);
          if (driverCause) expect((outcome.error as Error).cause, outcome.name).toBeInstanceOf(Error);
          expect(outcome.ms, outcome.name).toBeLessThanOrEqual(settledWithinMs);
          expect(leakedSecrets(outcome.error, options.secrets ?? []), outcome.name).toEqual([]);
          options.checkRejection?.(scenario, outcome);
        }
      };

      if (scenarios.has("paused"))
        it("a silent (paused) server: every operation rejects in time, a burst does not pile up, the store recovers", async () => {
          const server = await serve();
          const store = await storeOn(server, "pause:");
          await store.set("kept", bytes("before"), 120_000);

          await server.pause();
          await expectAllUnavailable("paused", store, options.driverCauseWhen?.paused === true);
          // A burst while the server is silent: every call settles, none is parked for later.
          const burst = await Promise.allSettled(
            Array.from({ length: 200 }, (_, i) => store.get(`burst${i}`)),
          );
          expect(
            burst.every((r) => r.status === "rejected" && codeOf(r.reason) === ErrorCode.STORE_UNAVAILABLE),
          ).toBe(true);
          await server.unpause();

          expect(text(await eventually(() => store.get("kept")))).toBe("before");
          // Back, but on a loaded machine still slower than the scenarios' 1 s deadline at first.
          await eventually(() => store.set("after", bytes("x"), 60_000));
          expect(text(await store.get("after"))).toBe("x");
          await options.afterRecovery?.(store);
        });

      if (scenarios.has("restarted"))
        it(`a restarted server: the store reconnects by itself; the data is ${options.restartKeepsData ? "kept" : "gone"}`, async () => {
          const server = await serve();
          const store = await storeOn(server, "restart:");
          await store.set("k", bytes("v"), 60_000);
          await server.restart();
          await eventually(() => store.set("k2", bytes("v2"), 60_000));
          expect(text(await store.get("k2"))).toBe("v2");
          if (options.restartKeepsData) {
            expect(text(await store.get("k"))).toBe("v");
            await store.expire(["k"], 60_000);
            expect(text(await store.get("k"))).toBe("v");
            expect((await store.keys("")).sort()).toEqual(["k", "k2"]);
          } else {
            expect(await store.get("k")).toBeNull();
            expect(await store.keys("")).toEqual(["k2"]);
          }
        });

      if (scenarios.has("stopped"))
        it(`a dead (stopped) server: every operation rejects in time${options.createStoreWithClient ? ", for a created and a given client" : ""}${options.recoversOnNewServer ? "; the store works again on a new server" : ""}`, async () => {
          const server = await serve();
          const owned = await storeOn(server, "dead:");
          let given: SessionKVStore | undefined;
          if (options.createStoreWithClient) {
            given = track(
              await options.createStoreWithClient(server, settings("dead:given:"), (step) =>
                track(step, (close) => close()),
              ),
            );
            await start(given);
          }

          const port = server.port;
          await server.stop();
          await expectAllUnavailable("stopped", owned, options.driverCauseWhen?.stopped === true);
          if (given) await expectAllUnavailable("stopped", given, false);
          // And one call on its own, after the burst above settled.
          const { error, ms } = await rejection(() => owned.get("k"));
          expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
          expect(ms).toBeLessThanOrEqual(settledWithinMs);

          if (options.recoversOnNewServer) {
            track(await target.start({ hostPort: port }), (replacement) => replacement.stop());
            await eventually(() => owned.set("after", bytes("x"), 60_000));
            expect(text(await owned.get("after"))).toBe("x");
          }
        });

      if (scenarios.has("absent"))
        it("start() against a server that is not there rejects in time", async () => {
          const server = await serve();
          await server.stop();
          const store = track(options.createStore(server, settings("never:")));
          const { error, ms } = await rejection(() => store.start());
          expect(codeOf(error)).toBe(ErrorCode.STORE_UNAVAILABLE);
          expect(ms).toBeLessThanOrEqual(settledWithinMs);
          expect(leakedSecrets(error, options.secrets ?? [])).toEqual([]);
        });
    });
  });
}
