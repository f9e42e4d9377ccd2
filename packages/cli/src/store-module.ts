import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { SessionKVStore } from "@sessionkv/core";
import type { OpenedStore } from "./backend.js";
import { CliError, CliErrorCode } from "./errors.js";

/**
 * `--store ./module.mjs`: the conformance CLI's module format, a default export (or
 * `createStore`) `({ namespace }) => store`. `--prefix` is passed as the namespace ("" without
 * it). The module made the store for this command, so the CLI closes it.
 */
export async function openStoreModule(specifier: string, prefix: string | undefined): Promise<OpenedStore> {
  const isPath = specifier.startsWith(".") || specifier.startsWith("/") || /\.[cm]?[jt]s$/.test(specifier);
  const url = isPath ? pathToFileURL(resolve(process.cwd(), specifier)).href : specifier;
  let factory: unknown;
  try {
    const loaded = (await import(url)) as { default?: unknown; createStore?: unknown };
    factory = loaded.default ?? loaded.createStore;
  } catch (error) {
    throw new CliError(
      CliErrorCode.STORE_MODULE,
      `cannot load the store module ${specifier}: ${(error as Error)?.message ?? String(error)}`,
      { cause: error },
    );
  }
  if (typeof factory !== "function")
    throw new CliError(
      CliErrorCode.STORE_MODULE,
      `${specifier} must default-export a function ({ namespace }) => store`,
    );
  const store = (await factory({ namespace: prefix ?? "" })) as SessionKVStore;
  if (store === null || typeof store !== "object" || typeof store.keys !== "function")
    throw new CliError(CliErrorCode.STORE_MODULE, `the factory of ${specifier} did not return a store`);
  return { store, close: () => store.close() };
}
