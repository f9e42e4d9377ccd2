import { run } from "./main.js";

const code = await run(process.argv.slice(2));
// Exit once the output is flushed: a store module may hold a client it never closes, or a driver
// may keep a reconnection timer, and either would keep the process alive after the answer.
await new Promise<void>((resolve) => process.stdout.write("", () => resolve()));
await new Promise<void>((resolve) => process.stderr.write("", () => resolve()));
process.exit(code);
