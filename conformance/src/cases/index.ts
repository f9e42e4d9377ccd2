import type { ConformanceCase } from "../types.js";
import { claimCases } from "./claims.js";
import { concurrencyCases } from "./concurrency.js";
import { deleteCases } from "./delete.js";
import { expireCases } from "./expire.js";
import { hostSeatCases } from "./host-seats.js";
import { hostCases } from "./host.js";
import { keyCases } from "./keys.js";
import { lifecycleCases } from "./lifecycle.js";
import { listingCases } from "./listing.js";
import { mgetCases } from "./mget.js";
import { msetCases } from "./mset.js";
import { nodeCases } from "./nodes.js";
import { notificationCases, pushCloseCases } from "./notifications.js";
import { onlyIfExistsCases } from "./only-if-exists.js";
import { preparedCases } from "./prepared.js";
import { registryCases as registryOnlyCases } from "./registry.js";
import { ttlCases } from "./ttl.js";
import { valueCases } from "./values.js";

/** The store contract (core README, "The store contract"), in the order the CLI prints them. */
export const storeCases: readonly ConformanceCase[] = [
  ...lifecycleCases,
  ...keyCases,
  ...valueCases,
  ...ttlCases,
  ...onlyIfExistsCases,
  ...msetCases,
  ...mgetCases,
  ...expireCases,
  ...listingCases,
  ...deleteCases,
  ...preparedCases,
  ...concurrencyCases,
  ...claimCases,
  ...notificationCases,
];

/** Registry and host scenarios over any store (core README, "Registry and host"). */
export const registryCases: readonly ConformanceCase[] = [
  ...registryOnlyCases,
  ...hostCases,
  ...nodeCases,
  ...pushCloseCases,
  ...hostSeatCases,
];

export const allCases: readonly ConformanceCase[] = [...storeCases, ...registryCases];
