import type { StartedServer } from "@sessionkv/conformance/containers";
import { type ErrorCode, isSessionKVError } from "@sessionkv/core";
import { Etcd3, type IOptions } from "etcd3";

export function hostsOf(server: StartedServer | undefined): string {
  if (server?.url === undefined) throw new Error("the server has not started");
  return server.url;
}

/** A plain etcd3 client for looking at the server behind the store's back. */
export function rawClient(server: StartedServer | undefined, options: Partial<IOptions> = {}): Etcd3 {
  return new Etcd3({ hosts: hostsOf(server), ...options });
}

/** Leases alive on the server (LeaseLeases). */
export async function liveLeases(client: Etcd3): Promise<number> {
  return (await client.leaseClient.leaseLeases()).leases.length;
}

export function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

export function text(value: Uint8Array | null): string | null {
  return value === null ? null : new TextDecoder().decode(value);
}

/** Settles `work`; returns the rejection (or fails when it resolved) and how long it took. */
export async function rejection(work: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = performance.now();
  try {
    await work();
  } catch (error) {
    return { error, ms: performance.now() - started };
  }
  throw new Error("expected a rejection, got a result");
}

export function codeOf(error: unknown): ErrorCode | string {
  return isSessionKVError(error) ? error.code : `not a SessionKVError: ${String(error)}`;
}

/** Retries `work` until it resolves; bounded in attempts (the last error is rethrown). */
export async function eventually<T>(work: () => Promise<T>, attempts = 60, pauseMs = 500): Promise<T> {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await work();
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
  throw last;
}

/** Message, stack, string form and own fields of an error and its whole cause chain. */
export function everythingSaidBy(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && current !== null && depth < 20; depth++) {
    if (current instanceof Error) {
      parts.push(current.message, current.stack ?? "", String(current));
      for (const key of Object.getOwnPropertyNames(current)) {
        const value = (current as unknown as Record<string, unknown>)[key];
        if (typeof value === "string") parts.push(value);
        else if (value !== null && typeof value === "object" && key !== "cause") parts.push(safeJson(value));
      }
      current = current.cause;
    } else {
      parts.push(typeof current === "string" ? current : safeJson(current));
      break;
    }
  }
  return parts.join("\n");
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? "";
  } catch {
    return String(value);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
