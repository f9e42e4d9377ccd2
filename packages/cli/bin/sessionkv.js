#!/usr/bin/env node
// A committed launcher rather than dist/bin.js itself: pnpm links a workspace bin at install time,
// before the first build has made dist/, and warns when the target is missing.
await import("../dist/bin.js");
