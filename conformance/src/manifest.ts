import { ErrorCode, SessionKVError, type StoreCapabilities } from "@sessionkv/core";

/** How reports name the check that runs before every case (not a case: it cannot be filtered out). */
export const MANIFEST_CHECK = {
  id: "capabilities",
  title: "the factory makes a store with a valid capabilities manifest",
} as const;

/** Each field of the manifest, what it must be, and what it means (core README, "Capabilities"). */
const FIELDS: readonly {
  name: keyof StoreCapabilities;
  valid: (value: unknown) => boolean;
  expected: string;
}[] = [
  {
    name: "ttlResolutionMs",
    valid: (v) => isNumber(v) && v > 0,
    expected:
      "a number of milliseconds > 0 (1 where the backend keeps milliseconds, 1000 where whole seconds)",
  },
  {
    name: "minTtlMs",
    valid: (v) => isNumber(v) && v >= 0,
    expected: "a number of milliseconds ≥ 0 (the shortest TTL honoured exactly)",
  },
  {
    name: "expiryLagMs",
    valid: (v) => isNumber(v) && v >= 0,
    expected:
      "a number of milliseconds ≥ 0 (how long past its deadline a record may still be visible; 0 when never)",
  },
  {
    name: "maxValueBytes",
    valid: (v) => isNumber(v) && Number.isInteger(v) && v >= 256 * 1024,
    expected:
      "an integer number of bytes ≥ 262144 (the largest value accepted; the contract's minimum is 256 KiB)",
  },
  {
    name: "maxKeyBytes",
    valid: (v) => isNumber(v) && Number.isInteger(v) && v >= 512,
    expected:
      "an integer number of UTF-8 bytes ≥ 512 (the longest key accepted; the contract's minimum is 512)",
  },
  {
    name: "partitionListing",
    valid: (v) => v === "indexed" || v === "scan",
    expected:
      '"indexed" or "scan" (whether keys() of a prefix with two `/` reads only that partition; core README, "Partitions")',
  },
];

function isNumber(value: unknown): value is number {
  return typeof value === "number" && Number.isFinite(value);
}

/**
 * Checks a store's `capabilities` before any case runs: the timing and gating of every case
 * derive from it, so a missing field would otherwise surface as dozens of misleading failures
 * (sleeps of `NaN` ms, `TypeError`s). Every problem is listed in one ERR_INVALID_ARGUMENT.
 */
export function checkCapabilities(capabilities: unknown): StoreCapabilities {
  if (capabilities === null || typeof capabilities !== "object") {
    throw new SessionKVError(
      ErrorCode.INVALID_ARGUMENT,
      `capabilities must be an object { ${FIELDS.map((f) => f.name).join(", ")} } (see the core README, "Capabilities"), got ${capabilities === undefined ? "nothing (the store has no capabilities property)" : describe(capabilities)}`,
    );
  }
  const problems = FIELDS.flatMap(({ name, valid, expected }) => {
    const value = (capabilities as Record<string, unknown>)[name];
    return valid(value) ? [] : [`capabilities.${name} must be ${expected}, got ${describe(value)}`];
  });
  if (problems.length > 0) throw new SessionKVError(ErrorCode.INVALID_ARGUMENT, problems.join("; "));
  return capabilities as StoreCapabilities;
}

function describe(value: unknown): string {
  if (value === undefined) return "nothing (the field is missing)";
  if (typeof value === "string") return JSON.stringify(value);
  return typeof value === "object" && value !== null ? "an object" : String(value);
}
