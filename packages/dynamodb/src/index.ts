export { DynamoDBSessionKVStore } from "./store.js";
export type { DynamoDBSessionKVStoreOptions } from "./options.js";
export { ATTR as DYNAMODB_ATTRIBUTES } from "./schema.js";
