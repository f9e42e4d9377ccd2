import { type BenchCase, compare } from "@sessionkv/conformance/testing";
import { EtcdSessionKVStore } from "@sessionkv/etcd";
// Store vs raw etcd3, same server, same run: the price of the store's layer (validation,
// lifecycle, deadline, key prefixing, deadline header, lease pool, transaction guards, error
// shaping) over the bare etcd calls a careful user would make by hand for the same work.
//
//   SESSIONKV_LOCAL_IMAGES=1 node bench/etcd.bench.ts      (from packages/etcd, after a build)
//
// Each operation runs in rounds after a warm-up, store and raw calls alternating within a round
// (compare() from @sessionkv/conformance/testing); the table shows the median time per call over
// the rounds and the median of the rounds' store/raw ratios.
// Calls are sequential (one in flight), so the ratio is the per-call latency overhead. Every
// write is a raft commit (an fsync), so absolute numbers depend mostly on the disk.
//
// The raw side gets the shortcuts the store cannot take: one lease granted up front for every
// write (the store picks a lease per expiry bucket and grants new ones as time moves on), no
// deadline header, no guards on mset, one unpaginated keys-only range for the listing.
import { startEtcd } from "@sessionkv/test-kit";
import { Etcd3, type IRequestOp } from "etcd3";
import { claimsBench } from "./claims.ts";
import { heartbeatBench } from "./heartbeat.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const PREFIX = "bench:";
const TTL_MS = 300_000;
const VALUE = new Uint8Array(200).map((_, i) => i % 256);
const BATCH = 100;
const LISTED = 10_000;
const HEARTBEAT_KEYS = 1_000;
const HEARTBEAT_CYCLES = 10;
/** BENCH_PARTS=claims,single picks parts (single: the table, the lease economy and the heartbeat). */
const PARTS = new Set((process.env.BENCH_PARTS ?? "single,claims").split(","));

async function main(): Promise<void> {
  const server = await startEtcd();
  const hosts = server.url as string;
  const store = new EtcdSessionKVStore({ hosts, keyPrefix: PREFIX });
  const raw = new Etcd3({ hosts });
  try {
    await store.start();
    if (PARTS.has("claims")) await claimsBench(hosts, ROUNDS, server.image);
    if (!PARTS.has("single")) return;
    const kv = raw.kv;
    const { ID: lease } = await raw.leaseClient.leaseGrant({ TTL: TTL_MS / 1000 });

    const keys = Array.from({ length: 1_000 }, (_, i) => `session/${i}`);
    const full = keys.map((key) => Buffer.from(`${PREFIX}raw/${key}`));
    const value = Buffer.from(VALUE);
    await store.mset(keys.map((key) => ({ key, value: VALUE, ttlMs: TTL_MS })));
    await kv.txn({ success: full.map((key) => ({ request_put: { key, value, lease } })).slice(0, 128) });
    for (let i = 128; i < full.length; i += 128) {
      await kv.txn({
        success: full.slice(i, i + 128).map((key) => ({ request_put: { key, value, lease } })),
      });
    }
    const batchOf = <T>(items: readonly T[], i: number) =>
      items.slice((i * BATCH) % items.length, ((i * BATCH) % items.length) + BATCH);

    // keys(): a namespace of 10,000 keys.
    const lister = new EtcdSessionKVStore({ hosts, keyPrefix: `${PREFIX}list:` });
    await lister.start();
    const listedKeys = Array.from({ length: LISTED }, (_, i) => `k${i}`);
    await lister.mset(listedKeys.map((key) => ({ key, value: VALUE, ttlMs: TTL_MS })));
    const rawList = () => raw.getAll().prefix(`${PREFIX}list:`).keys();
    if ((await lister.keys("")).length !== LISTED || (await rawList()).length !== LISTED)
      throw new Error("listing is incomplete");

    // Leases the raw expire grants: revoked after the table so the lease counts below show the store's alone.
    const rawExpireLeases: string[] = [];
    const cases: BenchCase[] = [
      {
        name: "set",
        iterations: 150,
        store: (i) => store.set(keys[i % 1_000] as string, VALUE, TTL_MS),
        raw: (i) => kv.put({ key: full[i % 1_000], value, lease }),
      },
      {
        name: "get",
        iterations: 600,
        store: (i) => store.get(keys[i % 1_000] as string),
        raw: (i) => kv.range({ key: full[i % 1_000] }),
      },
      {
        name: "set onlyIfExists",
        iterations: 150,
        store: (i) => store.set(keys[i % 1_000] as string, VALUE, TTL_MS, { onlyIfExists: true }),
        raw: (i) =>
          raw
            .if(full[i % 1_000] as Buffer, "Version", ">", 0)
            .then({ request_put: { key: full[i % 1_000], value, lease } })
            .commit(),
      },
      {
        name: `mget ${BATCH}`,
        iterations: 150,
        store: (i) => store.mget(batchOf(keys, i)),
        raw: (i) =>
          kv.txn({ success: batchOf(full, i).map((key): IRequestOp => ({ request_range: { key } })) }),
      },
      {
        name: `mset ${BATCH}`,
        iterations: 60,
        store: (i) => store.mset(batchOf(keys, i).map((key) => ({ key, value: VALUE, ttlMs: TTL_MS }))),
        raw: (i) =>
          kv.txn({
            success: batchOf(full, i).map((key): IRequestOp => ({ request_put: { key, value, lease } })),
          }),
      },
      {
        // The raw side does what expire must: a new lease for the new deadline, then
        // ignore_value puts guarded per key (version > 0) in nested transactions.
        name: `expire ${BATCH}`,
        iterations: 60,
        store: (i) => store.expire(batchOf(keys, i), TTL_MS),
        raw: async (i) => {
          const { ID } = await raw.leaseClient.leaseGrant({ TTL: TTL_MS / 1000 });
          rawExpireLeases.push(ID);
          return kv.txn({
            success: batchOf(full, i).map(
              (key): IRequestOp => ({
                request_txn: {
                  compare: [{ key, target: "Version", result: "Greater", version: 0 }],
                  success: [{ request_put: { key, ignore_value: true, lease: ID } }],
                },
              }),
            ),
          });
        },
      },
      {
        name: `keys over ${LISTED.toLocaleString("en")}`,
        iterations: 5,
        store: () => lister.keys(""),
        raw: () => rawList(),
      },
    ];

    await compare({
      rounds: ROUNDS,
      cases,
      title: `\netcd store vs raw etcd3 — ${server.image}, ${ROUNDS} rounds, median per call, one call in flight\n`,
    });

    for (const ID of rawExpireLeases) await raw.leaseClient.leaseRevoke({ ID }).catch(() => undefined);

    // Lease economy under a heartbeat load: 1,000 keys refreshed by expire, cycle after cycle.
    const hb = new EtcdSessionKVStore({ hosts, keyPrefix: `${PREFIX}hb:` });
    await hb.start();
    const hbKeys = Array.from({ length: HEARTBEAT_KEYS }, (_, i) => `sessions/c${i % 20}/s${i}`);
    await hb.mset(hbKeys.map((key) => ({ key, value: VALUE, ttlMs: 30_000 })));
    const leaseCounts: number[] = [];
    const hbStarted = performance.now();
    for (let cycle = 0; cycle < HEARTBEAT_CYCLES; cycle++) {
      await hb.expire(hbKeys, 30_000);
      leaseCounts.push((await raw.leaseClient.leaseLeases()).leases.length);
    }
    const hbMs = (performance.now() - hbStarted) / HEARTBEAT_CYCLES;

    const stats = [store, lister, hb].map((s) => s.leaseStats);
    console.log(
      `\nleases: ${stats.reduce((n, s) => n + s.granted, 0)} granted and ${stats.reduce((n, s) => n + s.revoked, 0)} revoked by the stores over the whole run;` +
        ` ${(await raw.leaseClient.leaseLeases()).leases.length} live on the server now (1 of them the raw side's; the raw expire's ${rawExpireLeases.length} leases, one per call, were revoked by hand)`,
    );
    console.log(
      `heartbeat: expire of ${HEARTBEAT_KEYS} keys, ${HEARTBEAT_CYCLES} cycles, ${hbMs.toFixed(0)} ms per cycle; live leases on the server after each cycle: ${leaseCounts.join(" ")}`,
    );
    await hb.delete(hbKeys);
    await hb.close();
    await lister.delete(listedKeys);
    await lister.close();

    await heartbeatBench(hosts, raw, ROUNDS, server.image);
  } finally {
    await store.close();
    raw.close();
    await server.stop();
  }
}

await main();
