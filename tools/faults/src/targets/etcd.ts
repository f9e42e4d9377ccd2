// etcd: one member, and the 3-member cluster. Both with password authentication on.
import { request } from "node:http";
import { EtcdSessionKVStore } from "@sessionkv/etcd";
import { etcdMemberName } from "@sessionkv/test-kit";
import type { StartedServer } from "@sessionkv/test-kit";
import { signalProcess } from "@sessionkv/test-kit";
import { type Fault, type Rig, SECRET, STORE_TIMEOUT_MS, type Target } from "../target.ts";
import { proxies, rig, start, waitFor } from "./shared.ts";

function http(port: number, method: string, path: string, body?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, method, path, timeout: 2_000 }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        text += chunk;
      });
      res.on("end", () => resolve(text));
    });
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end(body);
  });
}

/** Creates `root` with the secret and turns authentication on (through the JSON gateway). */
async function enableAuth(port: number): Promise<void> {
  const call = (path: string, body: object) => http(port, "POST", `/v3/auth/${path}`, JSON.stringify(body));
  await call("role/add", { name: "root" });
  await call("user/add", { name: "root", password: SECRET });
  await call("user/grant", { user: "root", role: "root" });
  const reply = await call("enable", {});
  if (!reply.startsWith('{"header"')) throw new Error(`etcd auth enable: ${reply.slice(0, 200)}`);
}

const isLeader = async (port: number) =>
  /^etcd_server_is_leader 1$/m.test(await http(port, "GET", "/metrics"));

function store(ports: readonly number[]) {
  return () =>
    new EtcdSessionKVStore({
      hosts: ports.map((port) => `http://127.0.0.1:${port}`),
      auth: { username: "root", password: SECRET },
      operationTimeoutMs: STORE_TIMEOUT_MS,
    });
}

export function etcdSingle(): Target {
  return {
    name: "etcd 3.5 single member",
    faults: {
      pause: true,
      "restart-empty": true,
      "restart-data": true,
      drop: true,
      failover: "single member",
    },
    secret: SECRET,
    async setup(fault: Fault): Promise<Rig> {
      const server = await start("etcd");
      await enableAuth(server.port);
      const front = await proxies([server.port]);
      const empty: Partial<Rig> = {
        async inject() {
          await server.exec(["sh", "-c", "rm -rf /tmp/etcd-data"]);
          await server.restart();
          await enableAuth(server.port);
        },
      };
      return rig(fault, {
        servers: [server],
        proxies: front,
        store: store(front.map((p) => p.port)),
        ...(fault === "restart-empty" && empty),
      });
    },
  };
}

export function etcdCluster(): Target {
  return {
    name: "etcd 3.5 cluster (3 members)",
    faults: {
      pause: true,
      "restart-empty": "members keep their data directories",
      "restart-data": true,
      drop: true,
      failover: true,
    },
    secret: SECRET,
    async setup(fault: Fault): Promise<Rig> {
      const server: StartedServer = await start("etcd-cluster");
      await enableAuth(server.port);
      const front = await proxies(server.ports);
      let frozen = -1;
      const failover: Partial<Rig> = {
        async inject() {
          const leaders = await Promise.all(server.ports.map((port) => isLeader(port).catch(() => false)));
          frozen = leaders.indexOf(true);
          if (frozen < 0) throw new Error("etcd cluster has no leader");
          await signalProcess(server, `--name=${etcdMemberName(frozen)} `, "STOP");
        },
        async recover() {
          const others = server.ports.filter((_, i) => i !== frozen);
          await waitFor("a new etcd leader", async () =>
            (await Promise.all(others.map(isLeader))).includes(true),
          );
          await signalProcess(server, `--name=${etcdMemberName(frozen)} `, "CONT");
        },
      };
      return rig(fault, {
        servers: [server],
        proxies: front,
        store: store(front.map((p) => p.port)),
        ...(fault === "failover" && failover),
      });
    },
  };
}
