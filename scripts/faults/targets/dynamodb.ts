// DynamoDB through DynamoDB Local, AWS's own emulator (the local image and the official one run the same jar).
import { onDiskCommand } from "../../../conformance/src/containers/backends/dynamodb.js";
import { defaultImage } from "../../../conformance/src/containers/images.js";
import { DynamoDBSessionKVStore } from "../../../packages/dynamodb/dist/index.js";
import { type Fault, type Rig, SECRET, STORE_TIMEOUT_MS, type Target } from "../target.js";
import { proxies, rig, start } from "./shared.js";

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
      return rig(fault, {
        servers: [server],
        proxies: front,
        store: () =>
          new DynamoDBSessionKVStore({
            tableName: "sessionkv-faults",
            createTable: true,
            clientConfig,
            operationTimeoutMs: STORE_TIMEOUT_MS,
          }),
      });
    },
  };
}
