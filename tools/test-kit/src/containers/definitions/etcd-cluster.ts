import { type BackendDefinition, httpUrl } from "../definition.ts";
import { probeEtcd } from "../probes.ts";

// A 3-member etcd cluster in one container, one etcd process per member. Each member serves
// clients on a host port number (published under the same number) and advertises
// 127.0.0.1:<that port>, so the member list a client may fetch is reachable from the host;
// peers talk over loopback inside the container. Data directories live in the container, so
// a container restart keeps the data (a restart with data). The command needs a shell: the
// official etcd images are distroless, so this fixture runs on the local (Debian) images only.
const ETCD_MEMBERS = 3;
const PEER_PORT_BASE = 2_380;

/** The name of the member serving clients on `ports[i]`. */
export const etcdMemberName = (i: number) => `m${i}`;

function clusterCommand(_image: string, _hostPort: number, ports: readonly number[]): string[] {
  const peer = (i: number) => `http://127.0.0.1:${PEER_PORT_BASE + i}`;
  const initial = ports.map((_, i) => `${etcdMemberName(i)}=${peer(i)}`).join(",");
  const members = ports.map(
    (port, i) =>
      `etcd --name=${etcdMemberName(i)} --data-dir=/tmp/etcd-${etcdMemberName(i)} ` +
      `--listen-client-urls=http://0.0.0.0:${port} --advertise-client-urls=http://127.0.0.1:${port} ` +
      `--listen-peer-urls=${peer(i)} --initial-advertise-peer-urls=${peer(i)} ` +
      `--initial-cluster=${initial} --initial-cluster-token=sessionkv --initial-cluster-state=new ` +
      `>/tmp/etcd-${etcdMemberName(i)}.log 2>&1 &`,
  );
  return ["sh", "-c", [...members, "wait"].join("\n")];
}

export default {
  package: "etcd",
  imageEnv: "SESSIONKV_IMAGE_ETCD_CLUSTER",
  nodes: ETCD_MEMBERS,
  // /health on one member is true once the cluster has a leader and serves reads.
  probe: probeEtcd,
  command: clusterCommand,
  url: httpUrl,
  label: () => "etcd-cluster",
  defaults: { official: "sessionkv-local/etcd:3.5", local: "sessionkv-local/etcd:3.5" },
  // No CI cell yet: the fixture serves the fault-injection command (tools/faults), not a test suite.
  versions: [],
} as const satisfies BackendDefinition;
