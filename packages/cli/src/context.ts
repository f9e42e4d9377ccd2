import type { SessionRegistry } from "@sessionkv/core";
import type { Invocation } from "./args.js";

/** What a command runs with: the started registry over the chosen store, and where to write. */
export interface CommandContext {
  readonly invocation: Invocation;
  readonly registry: SessionRegistry;
  /** The store as messages name it: the URL with its password masked, or the module's path. */
  readonly storeLabel: string;
  readonly stdout: NodeJS.WriteStream;
  readonly stderr: NodeJS.WriteStream;
  /** Resolves when the operator agrees to the write; rejects with a `CliError` otherwise. */
  confirm(question: string): Promise<void>;
  /** One warning line on stderr, secrets removed. */
  warn(message: string): void;
}
