import { describe, expect, it } from "vitest";
import { ErrorCode, SessionKVError } from "../src/index.js";
import { Lifecycle, runningLifecycleErrors, storeLifecycleErrors } from "../src/lifecycle.js";
import { deferred } from "./support/deferred.js";

const hostLike = () => new Lifecycle(runningLifecycleErrors("Owner"));

function gate(): { opened: Promise<void>; open: () => void; fail: (error: unknown) => void } {
  const { promise, resolve, reject } = deferred();
  return { opened: promise, open: () => resolve(), fail: reject };
}

function thrown(call: () => unknown): SessionKVError {
  try {
    call();
  } catch (error) {
    if (error instanceof SessionKVError) return error;
    throw error;
  }
  throw new Error("did not throw");
}

describe("Lifecycle", () => {
  it("runs the start work once for concurrent and later calls, and goes new → starting → started", async () => {
    const lifecycle = hostLike();
    const start = gate();
    let runs = 0;
    let followUps = 0;
    const work = () => {
      runs++;
      return start.opened;
    };
    expect(lifecycle.phase).toBe("new");
    const first = lifecycle.start(work, () => followUps++);
    const second = lifecycle.start(work, () => followUps++);
    expect(lifecycle.phase).toBe("starting");
    expect(lifecycle.started).toBe(false);
    start.open();
    await Promise.all([first, second]);
    await lifecycle.start(work, () => followUps++);
    expect({ runs, followUps, phase: lifecycle.phase, started: lifecycle.started }).toEqual({
      runs: 1,
      followUps: 1,
      phase: "started",
      started: true,
    });
  });

  it("goes back to new after a failed start, and the next start runs the work afresh", async () => {
    const lifecycle = hostLike();
    const failure = new Error("down");
    await expect(lifecycle.start(() => Promise.reject(failure))).rejects.toBe(failure);
    expect(lifecycle.phase).toBe("new");
    let runs = 0;
    await lifecycle.start(async () => {
      runs++;
    });
    expect([runs, lifecycle.phase]).toEqual([1, "started"]);
  });

  it("a start that completes after a stop began leaves it stopped, without the follow-up", async () => {
    const lifecycle = hostLike();
    const start = gate();
    let followUps = 0;
    const starting = lifecycle.start(
      () => start.opened,
      () => followUps++,
    );
    let seen: { starting: Promise<void> | undefined; wasStarted: boolean } | undefined;
    const stopping = lifecycle.stop(async (context) => {
      seen = context;
    });
    expect(seen?.starting).toBe(starting);
    expect(seen?.wasStarted).toBe(false);
    start.open();
    await Promise.all([starting, stopping]);
    expect([lifecycle.phase, followUps]).toEqual(["stopped", 0]);
  });

  it("runs the stop work once, is stopping while it runs, and stays stopped (start included)", async () => {
    const lifecycle = hostLike();
    await lifecycle.start(async () => undefined);
    const stop = gate();
    let runs = 0;
    let wasStarted: boolean | undefined;
    const first = lifecycle.stop((context) => {
      runs++;
      wasStarted = context.wasStarted;
      return stop.opened;
    });
    const second = lifecycle.stop(async () => {
      runs++;
    });
    expect(second).toBe(first);
    expect(lifecycle.phase).toBe("stopping");
    lifecycle.assertStartedOrStopping("remove");
    expect(thrown(() => lifecycle.assertStarted("add")).message).toBe("Owner.add() called after stop()");
    stop.open();
    await first;
    expect([runs, wasStarted, lifecycle.phase]).toEqual([1, true, "stopped"]);
    expect(thrown(() => lifecycle.start(async () => undefined)).message).toBe(
      "Owner.start() called after stop()",
    );
    expect(thrown(() => lifecycle.assertStartedOrStopping("remove")).code).toBe(ErrorCode.NOT_RUNNING);
  });

  it("is stopped even when the stop work fails, which the stop call reports", async () => {
    const lifecycle = hostLike();
    await lifecycle.start(async () => undefined);
    const failure = new Error("close failed");
    await expect(lifecycle.stop(() => Promise.reject(failure))).rejects.toBe(failure);
    expect(lifecycle.phase).toBe("stopped");
  });

  it("stopNow ends at once; a later stop runs no work, and one under way still runs to its end", async () => {
    const abandoned = hostLike();
    await abandoned.start(async () => undefined);
    abandoned.stopNow();
    expect(abandoned.phase).toBe("stopped");
    let runs = 0;
    await abandoned.stop(async () => {
      runs++;
    });
    expect(runs).toBe(0);

    const stopping = hostLike();
    await stopping.start(async () => undefined);
    const stop = gate();
    let ended = false;
    const first = stopping.stop(async () => {
      await stop.opened;
      ended = true;
    });
    stopping.stopNow();
    expect(stopping.phase).toBe("stopped");
    expect(stopping.stop(async () => undefined)).toBe(first);
    stop.open();
    await first;
    expect(ended).toBe(true);
  });

  it("names the owner and the call before start completed, with ERR_NOT_RUNNING", async () => {
    const lifecycle = hostLike();
    const before = thrown(() => lifecycle.assertStarted("add"));
    expect([before.code, before.message]).toEqual([
      ErrorCode.NOT_RUNNING,
      "Owner.add() called before start() completed",
    ]);
    const start = gate();
    const starting = lifecycle.start(() => start.opened);
    expect(thrown(() => lifecycle.assertStartedOrStopping("remove")).message).toBe(
      "Owner.remove() called before start() completed",
    );
    start.open();
    await starting;
    lifecycle.assertStarted("add");
  });

  it("gives a store ERR_STORE_NOT_STARTED before start and ERR_STORE_CLOSED from close on", async () => {
    const lifecycle = new Lifecycle(storeLifecycleErrors);
    const before = thrown(() => lifecycle.assertStarted("get"));
    expect([before.code, before.message]).toEqual([
      ErrorCode.STORE_NOT_STARTED,
      "get() called before start() completed",
    ]);
    await lifecycle.start(async () => undefined);
    const closing = lifecycle.stop(() => new Promise((resolve) => setTimeout(resolve, 5)));
    const during = thrown(() => lifecycle.assertStarted("get"));
    expect([during.code, during.message]).toEqual([ErrorCode.STORE_CLOSED, "get() called after close()"]);
    await closing;
    expect(thrown(() => lifecycle.start(async () => undefined)).code).toBe(ErrorCode.STORE_CLOSED);
  });
});
