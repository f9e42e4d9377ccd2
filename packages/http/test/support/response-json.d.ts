// The tests read many JSON bodies and check their shapes with expect(); typing each one first
// would only repeat the assertions.
declare global {
  interface Response {
    // biome-ignore lint/suspicious/noExplicitAny: the assertions that follow check the shape.
    json(): Promise<any>;
  }
}
export {};
