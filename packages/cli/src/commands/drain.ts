import { CliError, CliErrorCode } from "../errors.js";

/**
 * Draining a node is a flag on the node's own record, which stores do not hold yet: no sessionkv
 * node reads such a flag, so writing one would change nothing. The command says so instead of
 * pretending, and names what an operator can do meanwhile.
 */
export function drainCommand(nodeId: string): never {
  throw new CliError(
    CliErrorCode.UNSUPPORTED,
    `drain ${nodeId}: draining needs node records, which this version of sessionkv does not write; meanwhile list the node's sessions with \`sessionkv sessions --node ${nodeId}\` and close them one by one`,
  );
}
