// Claims against the raw etcd transactions a careful user would write for them, same server,
// same run. setIfAbsent: one txn putting under `create_revision == 0` (the raw side skips the
// expired-deadline branch and the deadline header: it grants one lease up front). A claim
// released with deleteIfEquals: the raw side reads the key and deletes it in a txn on its
// mod_revision, the same two round trips the store takes.
import { type BenchCase, compare } from "@sessionkv/conformance/testing";
import { EtcdSessionKVStore } from "@sessionkv/etcd";
import { Etcd3 } from "etcd3";

const PREFIX = "claims:";
const TTL_MS = 60_000;
const VALUE = Buffer.alloc(32, 7);

export async function claimsBench(hosts: string, rounds: number, image: string): Promise<void> {
  const store = new EtcdSessionKVStore({ hosts, keyPrefix: PREFIX });
  const raw = new Etcd3({ hosts });
  await store.start();
  const { ID: lease } = await raw.leaseClient.leaseGrant({ TTL: TTL_MS / 1000 });
  const held = Array.from({ length: 100 }, (_, i) => `held/${i}`);
  await store.mset(held.map((key) => ({ key, value: VALUE, ttlMs: 600_000 })));
  const rawHeld = held.map((key) => Buffer.from(`${PREFIX}raw/${key}`));
  await raw.kv.txn({ success: rawHeld.map((key) => ({ request_put: { key, value: VALUE, lease } })) });
  // A fresh key per call on both sides, so every "created" claim creates.
  let fresh = 0;
  const rawClaim = (key: Buffer) =>
    raw.kv.txn({
      compare: [{ key, target: "Create", result: "Equal", create_revision: 0 }],
      success: [{ request_put: { key, value: VALUE, lease } }],
    });
  const cases: BenchCase[] = [
    {
      name: "setIfAbsent, created",
      iterations: 150,
      store: () => store.setIfAbsent(`fresh/${++fresh}`, VALUE, TTL_MS),
      raw: () => rawClaim(Buffer.from(`${PREFIX}raw/fresh/${++fresh}`)),
    },
    {
      name: "setIfAbsent, refused (live key)",
      iterations: 150,
      store: (i) => store.setIfAbsent(held[i % held.length]!, VALUE, TTL_MS),
      raw: (i) => rawClaim(rawHeld[i % held.length]!),
    },
    {
      name: "setIfAbsent + deleteIfEquals",
      iterations: 100,
      store: async () => {
        const key = `fresh/${++fresh}`;
        await store.setIfAbsent(key, VALUE, TTL_MS);
        await store.deleteIfEquals(key, VALUE);
      },
      raw: async () => {
        const key = Buffer.from(`${PREFIX}raw/fresh/${++fresh}`);
        await rawClaim(key);
        const { kvs } = await raw.kv.range({ key });
        const current = kvs[0];
        if (current === undefined || !current.value.equals(VALUE)) return;
        await raw.kv.txn({
          compare: [{ key, target: "Mod", result: "Equal", mod_revision: current.mod_revision }],
          success: [{ request_delete_range: { key } }],
        });
      },
    },
  ];
  await compare({
    rounds,
    cases,
    title: `\netcd claims vs raw etcd3 transactions — ${image}, ${rounds} rounds, median per call, one call in flight\n`,
  });
  await raw.leaseClient.leaseRevoke({ ID: lease }).catch(() => undefined);
  await store.close();
  raw.close();
}
