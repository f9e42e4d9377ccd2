import type { ConformanceCase } from "../types.js";

/** Registry and host scenarios (SPEC §3–4) over any store. */
export const registryCases: ConformanceCase[] = [];
