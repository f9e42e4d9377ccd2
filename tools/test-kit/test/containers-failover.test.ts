import { eventually } from "@sessionkv/conformance/testing";
// The fixtures that the fault command fails over: Redis Sentinel and the 3-member etcd
// cluster. Each must fail over when one process of it freezes (signalProcess), which is the
// fault `pnpm faults` measures. Under CI a missing runtime fails this file.
import { afterAll, describe, expect, it } from "vitest";
import { etcdMemberName } from "../src/containers/definitions/etcd-cluster.ts";
import {
  type StartedServer,
  requireContainers,
  signalProcess,
  startBackend,
  stopAllServers,
} from "../src/containers/index.ts";

const gate = await requireContainers();
const SLOW = { timeout: 240_000 };
const PASSWORD = "fixture-pw-5d1";

afterAll(stopAllServers);

async function cli(server: StartedServer, port: number, ...args: string[]): Promise<string> {
  return (await server.exec(["redis-cli", "-p", String(port), ...args])).output.trim();
}

const isLeader = async (port: number) =>
  /^etcd_server_is_leader 1$/m.test(await (await fetch(`http://127.0.0.1:${port}/metrics`)).text());

describe.skipIf(!gate.run)("failover fixtures", () => {
  it(
    "redis-sentinel: a password-protected master whose frozen process the sentinels replace",
    SLOW,
    async () => {
      const server = await startBackend("redis-sentinel", { env: { SESSIONKV_REDIS_PASSWORD: PASSWORD } });
      const [sentinel] = server.ports;
      const master = Number(
        (await cli(server, sentinel!, "sentinel", "get-master-addr-by-name", "mymaster")).split("\n")[1],
      );
      expect(server.ports.slice(3)).toContain(master);
      expect(await cli(server, master, "ping")).toMatch(/NOAUTH/);
      expect(await cli(server, master, "-a", PASSWORD, "--no-auth-warning", "ping")).toBe("PONG");

      await signalProcess(server, `0.0.0.0:${master} `, "STOP");
      const promoted = await eventually(
        async () => {
          const port = Number(
            (await cli(server, sentinel!, "sentinel", "get-master-addr-by-name", "mymaster")).split("\n")[1],
          );
          expect(port).not.toBe(master);
          return port;
        },
        { withinMs: 60_000 },
      );
      expect(server.ports.slice(3)).toContain(promoted);
      await signalProcess(server, `0.0.0.0:${master} `, "CONT");
      await server.stop();
    },
  );

  it(
    "etcd-cluster: three members on published ports, a new leader when the leader freezes",
    SLOW,
    async () => {
      const server = await startBackend("etcd-cluster");
      expect(server.ports).toHaveLength(3);
      const members = (await (
        await fetch(`http://127.0.0.1:${server.port}/v3/cluster/member/list`, { method: "POST", body: "{}" })
      ).json()) as { members: { clientURLs: string[] }[] };
      const advertised = members.members.flatMap((m) => m.clientURLs).sort();
      expect(advertised).toEqual(server.ports.map((port) => `http://127.0.0.1:${port}`).sort());

      const leader = await eventually(async () => {
        const flags = await Promise.all(server.ports.map(isLeader));
        expect(flags.filter(Boolean)).toHaveLength(1);
        return flags.indexOf(true);
      });
      await signalProcess(server, `--name=${etcdMemberName(leader)} `, "STOP");
      const others = server.ports.filter((_, i) => i !== leader);
      await eventually(
        async () => expect((await Promise.all(others.map(isLeader))).includes(true)).toBe(true),
        {
          withinMs: 60_000,
        },
      );
      await signalProcess(server, `--name=${etcdMemberName(leader)} `, "CONT");
      // A pattern matching nothing must fail, or a fault would silently freeze nothing.
      await expect(signalProcess(server, "--name=no-such-member ", "STOP")).rejects.toThrow(
        /no process matching/,
      );
      await server.stop();
    },
  );
});
