export { serverTests as default } from "../../vitest.shared.ts";
