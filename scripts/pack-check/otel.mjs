import { tracingChannel } from "node:diagnostics_channel";
// The packed @sessionkv/opentelemetry in a fresh project: it loads beside the user's
// @opentelemetry/api (its peer), subscribes and unsubscribes, and ships the dashboard.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { SessionKVInstrumentation } from "@sessionkv/opentelemetry";

const operations = tracingChannel("sessionkv:store:operation");
const instrumentation = new SessionKVInstrumentation();
if (!operations.hasSubscribers) throw new Error("enabled, yet not subscribed to sessionkv:store:operation");
instrumentation.disable();
if (operations.hasSubscribers) throw new Error("disabled, yet still subscribed");
const dashboard = createRequire(import.meta.url).resolve(
  "@sessionkv/opentelemetry/dashboards/sessionkv.json",
);
const panels = JSON.parse(readFileSync(dashboard, "utf8")).panels.length;
console.log(
  `${instrumentation.instrumentationName}@${instrumentation.instrumentationVersion}, dashboard with ${panels} panels`,
);
