// Freezing or resuming one server process of a multi-process fixture (a cluster node, a
// sentinel's master, an etcd member), found by a piece of its command line. The fixtures'
// images have a shell but no procps, so /proc is scanned. PID 1 (the fixture's shell, whose
// script names every process) and the scanning shell itself are skipped.
import type { StartedServer } from "./server.ts";

/** Sends SIGSTOP or SIGCONT to the server's processes whose command line contains `commandLinePart`. */
export async function signalProcess(
  server: StartedServer,
  commandLinePart: string,
  signal: "STOP" | "CONT",
): Promise<void> {
  const script =
    'for d in /proc/[0-9]*; do p="${d#/proc/}"; [ "$p" = 1 ] || [ "$p" = "$$" ] && continue; ' +
    `tr '\\0' ' ' < "$d/cmdline" 2>/dev/null | grep -q -- "$0" && kill -${signal} "$p" && echo "$p"; done`;
  const { output } = await server.exec(["sh", "-c", script, commandLinePart]);
  if (output.trim() === "") throw new Error(`no process matching ${JSON.stringify(commandLinePart)}`);
}
