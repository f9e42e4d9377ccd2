// Prints what build-images.sh builds, one local image a line, tab-separated, read from
// the backend definitions (src/containers/definitions/):
//   <debian suite> <debian package> <version prefix> <image> <port> <default command as JSON>
// Images without a Debian package (dynalite) have `-` in the first three fields.
//   node tools/test-kit/cli/image-plan.ts
import type { BackendDefinition } from "../src/containers/definition.ts";
import { BACKENDS } from "../src/containers/definitions/index.ts";

const seen = new Set<string>();
for (const definition of Object.values(BACKENDS) as BackendDefinition[]) {
  const port = definition.containerPort;
  // A multi-node server (the Redis Cluster) runs an image that a single-server backend builds.
  if (port === undefined) continue;
  for (const version of definition.versions) {
    if (seen.has(version.local)) continue;
    seen.add(version.local);
    const { suite = "-", package: pkg = "-", version: prefix = "-" } = version.debian ?? {};
    const command = JSON.stringify(definition.command(version.local, port, [port]));
    console.log([suite, pkg, prefix, version.local, port, command].join("\t"));
  }
}
