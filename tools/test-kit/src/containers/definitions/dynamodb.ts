import { type BackendDefinition, httpUrl } from "../definition.ts";
import { probeDynamoDB } from "../probes.ts";

const isDynalite = (image: string) => /dynalite/i.test(image);

/**
 * The command of a server that keeps its tables on disk in `dir` (inside the container, so they
 * survive a restart of it), instead of in memory: dynalite's LevelDB (the local image installs
 * its optional leveldown) or DynamoDB Local's SQLite file.
 */
export function onDiskCommand(image: string, dir: string): string[] {
  return isDynalite(image)
    ? ["node", "/opt/dynalite/server.cjs", "--port", "8000", "--path", dir]
    : ["-jar", "DynamoDBLocal.jar", "-sharedDb", "-dbPath", dir, "-port", "8000"];
}

export default {
  package: "dynamodb",
  imageEnv: "SESSIONKV_IMAGE_DYNAMODB",
  containerPort: 8000,
  probe: probeDynamoDB,
  command: (image) =>
    isDynalite(image)
      ? ["node", "/opt/dynalite/server.cjs", "--port", "8000"]
      : // amazon/dynamodb-local's entrypoint is `java`; -sharedDb ignores region/credentials.
        ["-jar", "DynamoDBLocal.jar", "-inMemory", "-sharedDb", "-port", "8000"],
  url: httpUrl,
  label: (image) => (isDynalite(image) ? "dynalite" : "dynamodb"),
  defaults: { official: "amazon/dynamodb-local:latest", local: "sessionkv-local/dynalite:3.2.2" },
  // The local stand-in is dynalite (no Debian package): build-images.sh installs it from npm.
  versions: [
    {
      name: "dynamodb-local",
      official: "amazon/dynamodb-local:latest",
      local: "sessionkv-local/dynalite:3.2.2",
    },
  ],
} as const satisfies BackendDefinition;
