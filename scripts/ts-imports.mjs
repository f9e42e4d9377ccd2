// Lets Node run the repository's TypeScript sources directly (node --import ./scripts/ts-imports.mjs x.ts).
// Node strips the types itself; what it does not do is what tsc's NodeNext resolution does:
// map an `./x.js` import to the `./x.ts` source next to it. Scripts that must work before
// a build (the image build runs before `pnpm build` in CI) read the backend definitions this way.
import { existsSync } from "node:fs";
import { registerHooks } from "node:module";
import { fileURLToPath } from "node:url";

registerHooks({
  resolve(specifier, context, nextResolve) {
    if (specifier.startsWith(".") && specifier.endsWith(".js") && context.parentURL?.endsWith(".ts")) {
      const source = new URL(`${specifier.slice(0, -3)}.ts`, context.parentURL);
      if (existsSync(fileURLToPath(source))) return nextResolve(source.href, context);
    }
    return nextResolve(specifier, context);
  },
});
