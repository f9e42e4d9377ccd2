import type { StartedServer } from "@sessionkv/conformance/containers";
import { type ErrorCode, isSessionKVError } from "@sessionkv/core";
import { Redis } from "ioredis";

export function urlOf(server: StartedServer | undefined, auth = ""): string {
  if (server === undefined) throw new Error("the server has not started");
  return `redis://${auth}${server.host}:${server.port}`;
}

/** A plain client for looking at the server behind the store's back. */
export function rawClient(server: StartedServer | undefined, options: { password?: string } = {}): Redis {
  if (server === undefined) throw new Error("the server has not started");
  const client = new Redis({ host: server.host, port: server.port, lazyConnect: true, ...options });
  // Tests stop servers under this client on purpose; the failures show up in the assertions.
  client.on("error", () => undefined);
  return client;
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

/** Message, stack and every own string property of the error and of each error in its cause chain. */
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
    return "";
  }
}

/** Retries `attempt` until it resolves or `limitMs` passes (recovery after an outage is not instant). */
export async function eventually<T>(attempt: () => Promise<T>, limitMs = 30_000): Promise<T> {
  const deadline = Date.now() + limitMs;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
