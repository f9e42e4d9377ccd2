/**
 * One node of a fleet race, in its own process: a SessionHost on its own store instance, driven
 * by JSON lines on stdin and answering one JSON line per command on stdout.
 *
 *   node seat-node.js <store module path> <export name> <store options JSON> <nodeId> <ttlMs> <intervalMs>
 */
import { createInterface } from "node:readline";
import { pathToFileURL } from "node:url";
import {
  SessionHost,
  type SessionKVStore,
  SessionRegistry,
  isSessionKVError,
  silentLogger,
} from "@sessionkv/core";

const [modulePath, exportName, optionsJson, nodeId, ttl, interval] = process.argv.slice(2);
const loaded = (await import(pathToFileURL(modulePath as string).href)) as Record<string, unknown>;
const Store = loaded[exportName as string] as new (options: unknown) => SessionKVStore;
const store = new Store(JSON.parse(optionsJson as string));
const registry = new SessionRegistry({
  store,
  nodeId: nodeId as string,
  ttlMs: Number(ttl),
  logger: silentLogger,
});
const host = new SessionHost({ registry, maintenanceIntervalMs: Number(interval), logger: silentLogger });
await host.start();

type Command =
  | { id: number; op: "add"; callId: string; sessionId: string; limit?: number }
  | { id: number; op: "count"; callId: string }
  | { id: number; op: "stop" };

async function handle(command: Command): Promise<Record<string, unknown>> {
  switch (command.op) {
    case "add": {
      const started = Date.now();
      try {
        await host.add(
          command.callId,
          command.sessionId,
          { close() {} },
          {
            ...(command.limit === undefined ? {} : { maxSessionsPerCall: command.limit }),
          },
        );
        return { ok: true, started, ended: Date.now() };
      } catch (error) {
        return {
          ok: false,
          code: isSessionKVError(error) ? error.code : String(error),
          message: (error as Error).message,
          started,
          ended: Date.now(),
        };
      }
    }
    case "count": {
      const [seats, sessions] = await Promise.all([
        registry.getSeats(command.callId),
        registry.getForCall(command.callId),
      ]);
      return { ok: true, seats, sessions: sessions.length, at: Date.now() };
    }
    case "stop":
      await host.stop();
      await store.close();
      return { ok: true };
  }
}

const lines = createInterface({ input: process.stdin });
process.stdout.write(`${JSON.stringify({ ready: true, expiryLagMs: store.capabilities.expiryLagMs })}\n`);
for await (const line of lines) {
  const command = JSON.parse(line) as Command;
  void handle(command).then((answer) => {
    process.stdout.write(`${JSON.stringify({ id: command.id, ...answer })}\n`);
    if (command.op === "stop") process.exit(0);
  });
}
