// Prints what build-images.sh builds, one local image a line, tab-separated, read from
// the backend definitions (src/containers/definitions/):
//   debian <suite> <package> <version prefix> <image> <port> <default command as JSON>
//   jar    <suite> <JRE package> <JRE version prefix> <image> <port> <default command as JSON> <npm package@version> <jar> <server version>
// A `debian` image is its suite's base with the server package in it; a `jar` image is a
// rootfs of its own (the JRE would weigh on every image of the suite) plus the jar's directory.
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
    const command = JSON.stringify(definition.command(version.local, port, [port]));
    const { jar, debian } = version;
    const { suite, package: runtime, version: prefix } = jar?.runtime ?? {};
    const line = jar
      ? ["jar", suite, runtime, prefix, version.local, port, command, jar.npm, jar.jar, jar.version]
      : debian
        ? ["debian", debian.suite, debian.package, debian.version, version.local, port, command]
        : undefined;
    // Without either, another version of the backend builds this image.
    if (line) console.log(line.join("\t"));
  }
}
