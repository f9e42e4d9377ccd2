// @sessionkv/test-kit/vitest — what this repository's backend tests register with Vitest
// around the servers of @sessionkv/test-kit: one describe per server target, the conformance
// suite per target, and the outage scenarios every network backend must pass.

export { type BackendTarget, type DescribeBackendOptions, describeBackend } from "./describe-backend.ts";
export {
  type OutageScenario,
  type OutageScenarioOptions,
  type StoreSettings,
  describeOutageScenarios,
} from "./outage-scenarios.ts";
export { type ForEachTargetOptions, type TargetScope, forEachTarget } from "./for-each-target.ts";
export { type FleetRaceOptions, itRacesSeatsAcrossProcesses } from "./fleet-race.ts";
