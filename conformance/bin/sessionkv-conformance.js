#!/usr/bin/env node
// A committed launcher rather than dist/cli.js itself: pnpm links a workspace bin at install time,
// before the first build has made dist/, and warns for every package when the target is missing.
await import("../dist/cli.js");
