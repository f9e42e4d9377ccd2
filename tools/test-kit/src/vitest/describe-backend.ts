import { type RunOptions, type StoreFactoryContext, registerConformance } from "@sessionkv/conformance";
import type { SessionKVStore } from "@sessionkv/core";
import { beforeAll, describe, it } from "vitest";
import { type BackendTarget, forEachTarget } from "./for-each-target.ts";

export type { BackendTarget };

export interface DescribeBackendOptions<S extends { stop(): Promise<unknown> }>
  extends Omit<RunOptions, "createStore" | "disconnectSubscriber"> {
  /** `false` registers the suites as skipped (e.g. `(await requireContainers()).run`). Default true. */
  readonly run?: boolean;
  /** Runs once the server is up, before any case (e.g. creating a table). */
  readonly prepare?: (server: S) => Promise<unknown>;
  /** A store on this target's server, in the case's namespace (use it in the key prefix). */
  readonly createStore: (server: S, context: StoreFactoryContext) => SessionKVStore | Promise<SessionKVStore>;
  /** `RunOptions.disconnectSubscriber` on this target's server. */
  readonly disconnectSubscriber?: (server: S, store: SessionKVStore) => Promise<void>;
}

/**
 * The conformance suite against each target: one `describe` per target whose server starts in
 * `beforeAll` (the suite runs all its cases at once when the first case test runs, so the server
 * must be up by then) and stops in `afterAll`. Imports no container code: targets come from the
 * caller (`@sessionkv/test-kit`'s `redisTargets()`, …).
 *
 *   describeBackend("conformance", redisTargets(), { run: gate.run, createStore: (server, { namespace }) => … });
 */
export function describeBackend<S extends { stop(): Promise<unknown> }>(
  name: string,
  targets: readonly BackendTarget<S>[],
  options: DescribeBackendOptions<S>,
): void {
  const { run = true, prepare, createStore, disconnectSubscriber, ...runOptions } = options;
  describe.skipIf(!run)(name, () => {
    forEachTarget(targets, {}, ({ server }) => {
      beforeAll(() => prepare?.(server()));
      registerConformance({ describe, it }, "suite", {
        ...runOptions,
        createStore: (context) => createStore(server(), context),
        ...(disconnectSubscriber === undefined
          ? {}
          : { disconnectSubscriber: (store: SessionKVStore) => disconnectSubscriber(server(), store) }),
      });
    });
  });
}
