import { compare } from "@sessionkv/conformance/testing";
import { SessionHost, SessionRegistry, silentLogger } from "@sessionkv/core";
import { RedisSessionKVStore } from "@sessionkv/redis";

// Seats' cost (core README, "Seats"), side by side in one run on one server: a host with
// maxSessionsPerCall against one without.
// - heartbeat: one maintenance cycle of 10,000 sessions (1,000 calls × 10), metrics unchanged;
//   with limits the seats' keys join the records' in the cycle's one `expire`. Bound 1.2×.
// - add: one `add` into a call holding 5 of 10 seats; with a limit, the claim's setIfAbsent and
//   its mget of the seats go out together before the record's claim. Bound 2× (one extra round
//   trip over the one of an add without).
const SESSIONS = 10_000;
const PER_CALL = 10;

export async function seatsBench(url: string, rounds: number): Promise<void> {
  const limited = await side(url, "seats-on:", PER_CALL);
  const plain = await side(url, "seats-off:", undefined);
  try {
    await Promise.all([fill(limited.host), fill(plain.host)]);
    let added = 0;
    const addInto = (host: SessionHost) => async () => {
      const id = `a${added++}`;
      await host.add(`open-${added % 100}`, id, { close() {} });
      await host.remove(`open-${added % 100}`, id);
    };
    // The add calls each hold 5 of their 10 seats already, so a claim is not always the first guess.
    for (const h of [limited.host, plain.host])
      for (let c = 0; c < 100; c++)
        for (let s = 0; s < 5; s++) await h.add(`open-${c}`, `base-${c}-${s}`, { close() {} });
    await compare({
      title: `seats: a host with maxSessionsPerCall ${PER_CALL} against one without (${SESSIONS} sessions each)`,
      labels: { store: "limits on", raw: "no limit" },
      rounds,
      cases: [
        {
          name: `heartbeat of ${SESSIONS} sessions`,
          iterations: 3,
          store: () => limited.host.runCycle(),
          raw: () => plain.host.runCycle(),
          bound: 1.2,
        },
        {
          name: "add + remove, call half full",
          iterations: 50,
          store: addInto(limited.host),
          raw: addInto(plain.host),
          bound: 2,
        },
      ],
    });
  } finally {
    await limited.close();
    await plain.close();
  }
}

async function side(url: string, keyPrefix: string, limit: number | undefined) {
  const store = new RedisSessionKVStore({ url, keyPrefix });
  const registry = new SessionRegistry({ store, ttlMs: 600_000, logger: silentLogger });
  const host = new SessionHost({
    registry,
    maintenanceIntervalMs: 120_000,
    logger: silentLogger,
    ...(limit === undefined ? {} : { maxSessionsPerCall: limit }),
  });
  await host.start();
  return {
    host,
    async close() {
      await host.stop();
      await store.close();
    },
  };
}

async function fill(host: SessionHost): Promise<void> {
  for (let i = 0; i < SESSIONS; i += 500) {
    await Promise.all(
      Array.from({ length: 500 }, (_, k) => {
        const n = i + k;
        return host.add(`call-${Math.floor(n / PER_CALL)}`, `s${n}`, { close() {} });
      }),
    );
  }
}
