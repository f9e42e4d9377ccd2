import { type BenchCase, compare } from "@sessionkv/conformance/testing";
// The registry's heartbeat on etcd: `expire` of every session, cycle after cycle, same keys,
// same TTL. The raw side is the hand-written best design: all sessions on one lease, one
// `keepaliveOnce` per heartbeat. The store runs with `heartbeatLeases` (a keepalive and an O(1)
// read of the cluster's revision; the lease's keys are listed only after the revision moved), and without it (per-key
// guarded transactions under a new exact lease: the default, exact to the millisecond).
import type { PreparedKeys } from "@sessionkv/core";
import { EtcdSessionKVStore } from "@sessionkv/etcd";
import type { Etcd3 } from "etcd3";

/** Long enough that no fleet expires while the other cases run. */
const TTL_MS = 300_000;
const VALUE = new Uint8Array(200).map((_, i) => i % 256);
const CHECK_CYCLES = 10;

interface Fleet {
  readonly store: EtcdSessionKVStore;
  readonly keys: PreparedKeys;
}

async function fleet(hosts: string, sessions: number, heartbeatLeases: boolean): Promise<Fleet> {
  const store = new EtcdSessionKVStore({
    hosts,
    keyPrefix: `bench:hb${sessions}${heartbeatLeases}:`,
    heartbeatLeases,
  });
  await store.start();
  const names = Array.from({ length: sessions }, (_, i) => `sessions/call${i % 100}/s${i}`);
  await store.mset(names.map((key) => ({ key, value: VALUE, ttlMs: TTL_MS })));
  // Prepared, as the registry hands its heartbeat keys: checked and encoded once.
  const keys = store.prepare(names);
  await store.expire(keys, TTL_MS);
  return { store, keys };
}

export async function heartbeatBench(
  hosts: string,
  raw: Etcd3,
  rounds: number,
  image: string,
): Promise<void> {
  const lease = raw.lease(TTL_MS / 1000, { autoKeepAlive: false });
  await lease.grant();
  const kept = [await fleet(hosts, 1_000, true), await fleet(hosts, 10_000, true)];
  const exact = await fleet(hosts, 1_000, false);
  const beat = ({ store, keys }: Fleet) => store.expire(keys, TTL_MS);
  const cases: BenchCase[] = [
    ...kept.map((f) => ({
      name: `heartbeat ${f.keys.keys.length.toLocaleString("en")}, heartbeatLeases`,
      iterations: f.keys.keys.length > 1_000 ? 10 : 20,
      store: () => beat(f),
      raw: () => lease.keepaliveOnce(),
      bound: 3,
    })),
    // The same 10,000 against this design's floor: a keepalive and the linearizable revision read
    // that proves no key left the lease, both raw. What the store adds beyond two calls shows here.
    {
      name: "heartbeat 10,000 vs raw keepalive + revision read",
      iterations: 10,
      store: () => beat(kept[1]!),
      raw: () =>
        Promise.all([lease.keepaliveOnce(), raw.kv.range({ key: Buffer.from("\0"), count_only: true })]),
    },
    {
      name: `heartbeat ${exact.keys.keys.length.toLocaleString("en")}, exact (default)`,
      iterations: 6,
      store: () => beat(exact),
      raw: () => lease.keepaliveOnce(),
    },
  ];
  try {
    await compare({
      rounds,
      cases,
      labels: { raw: "keepalive" },
      title: `\netcd heartbeat (expire of every session) vs one raw keepaliveOnce — ${image}, ${rounds} rounds, median per call\n`,
    });
    for (const f of [...kept, exact]) {
      const revision = async () => BigInt((await raw.kv.range({ key: Buffer.from("\0") })).header.revision);
      const before = await revision();
      const keepalives = f.store.leaseStats.keptAlive;
      for (let cycle = 0; cycle < CHECK_CYCLES; cycle++) await beat(f);
      console.log(
        `heartbeat of ${f.keys.keys.length.toLocaleString("en")} sessions${f === exact ? " (exact)" : ""}: ` +
          `${Number((await revision()) - before) / CHECK_CYCLES} revisions and ` +
          `${(f.store.leaseStats.keptAlive - keepalives) / CHECK_CYCLES} keepalives per heartbeat`,
      );
    }
  } finally {
    for (const f of [...kept, exact]) {
      await f.store.delete(f.keys);
      await f.store.close();
    }
    await lease.revoke();
  }
}
