// DynamoDB through DynamoDB Local, AWS's own emulator (the local image and the official one run the same jar).
import { DynamoDBSessionKVStore } from "@sessionkv/dynamodb";
import { onDiskCommand } from "@sessionkv/test-kit";
import { defaultImage } from "@sessionkv/test-kit";
import { type Fault, type Rig, SECRET, STORE_TIMEOUT_MS, type Target } from "../target.ts";
import { proxies, rig, start } from "./shared.ts";

const TABLE = "sessionkv-faults";
/** Creating the table before the row, on a cold server: a set-up step, not a measurement. */
const SET_UP_TIMEOUT_MS = 60_000;

export function dynamodb(): Target {
  return {
    name: "dynamodb (DynamoDB Local)",
    faults: {
      pause: true,
      "restart-empty": "DynamoDB never loses a table; DynamoDB Local's restart in memory would",
      "restart-data": true,
      drop: true,
      failover: "a managed service (no failover to cause)",
    },
    secret: SECRET,
    // DynamoDB Local is one JVM on this machine's shared cores; the observer's polls (60 requests
    // each: a Query and a BatchGetItem per call) every 100 ms would compete with the 3 hosts' 300
    // conditional updates/s (they did with dynalite, the earlier stand-in: docs/faults.md).
    // DynamoDB itself would notice neither.
    observerPauseMs: 500,
    async setup(fault: Fault): Promise<Rig> {
      // Restart with data: the tables on disk, in the container, kept across the kill.
      const onDisk = fault === "restart-data" && {
        command: onDiskCommand(defaultImage("dynamodb"), "/tmp"),
      };
      const server = await start("dynamodb", { ...onDisk });
      const front = await proxies([server.port]);
      const clientConfig = {
        endpoint: `http://127.0.0.1:${front[0]!.port}`,
        region: "us-east-1",
        credentials: { accessKeyId: "faults", secretAccessKey: SECRET },
      };
      const rigged = rig(fault, {
        servers: [server],
        proxies: front,
        store: () =>
          new DynamoDBSessionKVStore({
            tableName: TABLE,
            createTable: true,
            clientConfig,
            operationTimeoutMs: STORE_TIMEOUT_MS,
          }),
      });
      // The table first, with a set-up deadline of its own: a fresh DynamoDB Local (a JVM not yet
      // warmed up) on a loaded machine took over the stores' 2 s to create it, and the row then
      // measured nothing. The fleet's stores find it there.
      const creator = new DynamoDBSessionKVStore({
        tableName: TABLE,
        createTable: true,
        clientConfig,
        operationTimeoutMs: SET_UP_TIMEOUT_MS,
      });
      try {
        await creator.start();
      } catch (error) {
        await rigged.stop();
        throw error;
      } finally {
        await creator.close();
      }
      return rigged;
    },
  };
}
