import { createInterface } from "node:readline/promises";
import { CliError, CliErrorCode } from "./errors.js";

/**
 * Writes change what a fleet runs: on a terminal the operator answers y, and anywhere else
 * (a script, a pipe, CI) `--yes` must say it, so a write is never the default of a mistyped line.
 */
export async function confirmWrite(
  question: string,
  options: { yes: boolean; stdin: NodeJS.ReadStream; stderr: NodeJS.WriteStream },
): Promise<void> {
  if (options.yes) return;
  if (options.stdin.isTTY !== true)
    throw new CliError(
      CliErrorCode.CONFIRMATION_REQUIRED,
      `${question.replace(/\?$/, "")}: there is no terminal to confirm on; pass --yes`,
    );
  const prompt = createInterface({ input: options.stdin, output: options.stderr });
  try {
    const answer = (await prompt.question(`${question} [y/N] `)).trim().toLowerCase();
    if (answer !== "y" && answer !== "yes")
      throw new CliError(CliErrorCode.DECLINED, "nothing written: not confirmed");
  } finally {
    prompt.close();
  }
}
