import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";

const cli = fileURLToPath(new URL("../dist/cli.js", import.meta.url));

export interface CliOutcome {
  /** The exit status; null when the CLI was killed for outliving `timeoutMs`. */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI in `cwd` with extra environment, as a third party's CI would. */
export function cliRun(
  cwd: string,
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 120_000,
): Promise<CliOutcome> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [cli, ...args],
      // A full --json report outgrew execFile's 1 MiB default once every case carried its failure text.
      {
        cwd,
        env: { ...process.env, ...env },
        timeout: timeoutMs,
        killSignal: "SIGKILL",
        maxBuffer: 64 * 1024 * 1024,
      },
      (error, stdout, stderr) => {
        const killed = (error as { killed?: boolean } | null)?.killed === true;
        const code = error === null ? 0 : killed ? null : ((error as { code?: number }).code ?? null);
        resolve({ code, stdout, stderr });
      },
    );
  });
}
