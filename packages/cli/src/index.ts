/**
 * The `sessionkv` command line, callable from code: `run(argv)` resolves with the exit status
 * and writes what the command prints. The bin is `bin/sessionkv.js`.
 */
export { run } from "./main.js";
export type { CliIo } from "./main.js";
export { CliError, CliErrorCode, ExitCode } from "./errors.js";
export { parseStoreUrl } from "./store-url.js";
export type { StoreUrl } from "./store-url.js";
