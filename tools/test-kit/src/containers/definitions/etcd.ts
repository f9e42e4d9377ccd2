import { type BackendDefinition, httpUrl, isLocalImage } from "../definition.ts";
import { probeEtcd } from "../probes.ts";

export default {
  package: "etcd",
  imageEnv: "SESSIONKV_IMAGE_ETCD",
  containerPort: 2379,
  probe: probeEtcd,
  // Clients discover members through the advertised URL, so it must be the host-side port.
  // Debian's etcd-server installs /usr/bin/etcd; the official (distroless) images /usr/local/bin/etcd.
  command: (image, hostPort) => [
    isLocalImage(image) ? "etcd" : "/usr/local/bin/etcd",
    "--name=sessionkv",
    "--data-dir=/tmp/etcd-data",
    "--listen-client-urls=http://0.0.0.0:2379",
    `--advertise-client-urls=http://127.0.0.1:${hostPort}`,
    "--listen-peer-urls=http://127.0.0.1:2380",
    "--initial-advertise-peer-urls=http://127.0.0.1:2380",
    "--initial-cluster=sessionkv=http://127.0.0.1:2380",
  ],
  url: httpUrl,
  defaults: { official: "quay.io/coreos/etcd:v3.5.21", local: "sessionkv-local/etcd:3.5" },
  versions: [
    {
      name: "etcd-3.4",
      official: "quay.io/coreos/etcd:v3.4.35",
      local: "sessionkv-local/etcd:3.4",
      debian: { suite: "bookworm", package: "etcd-server", version: "3.4." },
    },
    {
      name: "etcd-3.5",
      official: "quay.io/coreos/etcd:v3.5.21",
      local: "sessionkv-local/etcd:3.5",
      debian: { suite: "trixie", package: "etcd-server", version: "3.5." },
    },
  ],
} as const satisfies BackendDefinition;
