// Prints what build-images.sh builds, one local image a line, tab-separated, read from
// the backend definitions (conformance/src/containers/backends/):
//   <debian suite> <debian package> <version prefix> <image> <port> <default command as JSON>
// Images without a Debian package (dynalite) have `-` in the first three fields.
//   node --import ./scripts/ts-imports.mjs scripts/containers/image-plan.ts
import type { BackendDefinition } from "../../conformance/src/containers/backend.js";
import { BACKENDS } from "../../conformance/src/containers/backends/index.js";

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
