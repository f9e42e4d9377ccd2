import { afterAll, afterEach, beforeAll, beforeEach, describe } from "vitest";

/** Something a target's tests start and must stop: a server, a pool of servers. */
export interface Stoppable {
  stop(): Promise<unknown>;
}

/** Something that starts a server and hands back a handle that stops it (a `ServerTarget`, a pool…). */
export interface BackendTarget<S extends Stoppable> {
  readonly name: string;
  start(): Promise<S>;
}

type ServerOf<T extends BackendTarget<Stoppable>> = Awaited<ReturnType<T["start"]>>;

export interface TargetScope<T, S> {
  readonly target: T;
  /** The target's server, up from the target's first test (or `beforeAll`) on. */
  server(): S;
  /**
   * Closes `resource` once the running test ends or, when tracked outside a test (in a
   * `beforeAll`), after the target's last test and before its server stops; the last tracked
   * is closed first. Returns `resource`.
   */
  track<R extends { close(): unknown }>(resource: R): R;
  track<R>(resource: R, close: (resource: R) => unknown): R;
}

export interface ForEachTargetOptions<T, S> {
  /** `false` registers the targets' tests as skipped (e.g. `(await requireContainers()).run`). Default true. */
  readonly run?: boolean;
  /**
   * How the target's server starts (once, before its tests), e.g. with extra arguments; default
   * `target.start()`. `false`: no shared server, each test starts (and tracks) its own.
   */
  readonly start?: false | ((target: T) => Promise<S>);
}

/**
 * One `describe` per target, in which `body` registers the target's tests: the server starts
 * before them and stops after them, and whatever the tests `track` is closed in time, so a
 * backend's test files hold only what they check.
 *
 *   forEachTarget(redisTargets(), { run: gate.run }, ({ server, track }) => {
 *     it("…", async () => { const store = track(new RedisSessionKVStore({ url: server().url })); … });
 *   });
 */
export function forEachTarget<T extends BackendTarget<Stoppable>>(
  targets: readonly T[],
  options: ForEachTargetOptions<T, ServerOf<T>>,
  body: (scope: TargetScope<T, ServerOf<T>>) => void,
): void {
  const start =
    options.start === undefined ? (target: T) => target.start() as Promise<ServerOf<T>> : options.start;
  for (const target of targets) {
    describe.skipIf(options.run === false)(target.name, () => {
      let server: ServerOf<T> | undefined;
      const forTarget: (() => unknown)[] = [];
      const forTest: (() => unknown)[] = [];
      let inTest = false;

      beforeAll(async () => {
        if (start === false) return;
        const started = await start(target);
        server = started;
        forTarget.push(() => started.stop());
      });
      beforeEach(() => {
        inTest = true;
      });
      afterEach(async () => {
        inTest = false;
        await closeAll(forTest);
      });
      afterAll(() => closeAll(forTarget));

      const track = <R>(resource: R, close?: (resource: R) => unknown): R => {
        const step = close
          ? () => close(resource)
          : () => (resource as unknown as { close(): unknown }).close();
        (inTest ? forTest : forTarget).push(step);
        return resource;
      };
      body({
        target,
        server: () => {
          if (server === undefined) throw new Error(`${target.name}: the server has not started`);
          return server;
        },
        track,
      });
    });
  }
}

/** Runs every step, latest first, even when one fails; then reports the failures. */
async function closeAll(steps: (() => unknown)[]): Promise<void> {
  const errors: unknown[] = [];
  for (const step of steps.splice(0).reverse()) {
    try {
      await step();
    } catch (error) {
      errors.push(error);
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new AggregateError(errors, "cleanup failed");
}
