// An interrupted run (Ctrl-C) must not leave its containers behind: with local images there is
// no reaper (Ryuk is off), and an async stop started from a signal handler loses the race
// against the process's exit. The containers are removed synchronously instead, through the
// engine's CLI, before the process exits; only the ones this process started.
import { spawnSync } from "node:child_process";
import { liveContainerIds } from "@sessionkv/test-kit";

export function removeContainersOnInterrupt(): void {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      const ids = liveContainerIds();
      if (ids.length > 0) {
        console.error(`pnpm faults: ${signal}, removing ${ids.length} container(s)`);
        spawnSync("docker", ["rm", "-f", ...ids], { stdio: "ignore", timeout: 60_000 });
      }
      process.exit(130);
    });
  }
}
