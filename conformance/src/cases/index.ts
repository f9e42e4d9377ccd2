import type { ConformanceCase } from "../types.js";
import { concurrencyCases } from "./concurrency.js";
import { keyCases, listingCases } from "./keys.js";
import { lifecycleCases } from "./lifecycle.js";
import { registryCases } from "./registry.js";
import { ttlCases } from "./ttl.js";
import { valueCases } from "./values.js";
import { deleteCases, expireCases, mgetCases, msetCases, onlyIfExistsCases } from "./writes.js";

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
  ...concurrencyCases,
];

export const allCases: readonly ConformanceCase[] = [...storeCases, ...registryCases];
