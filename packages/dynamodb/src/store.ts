import {
  type AttributeValue,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from "@aws-sdk/client-dynamodb";
import type { MsetEntry, SessionKVError, StoreCapabilities } from "@sessionkv/core";
import { BaseSessionKVStore, type StoreTarget, deadlineNow } from "@sessionkv/core/store-kit";
import { type BatchContext, batchGet, batchWrite } from "./batch.js";
import { Budget, budgetMs } from "./budget.js";
import { claimCommand, releaseCommand } from "./claims.js";
import { openClient } from "./client.js";
import { mapLimit } from "./concurrency.js";
import { SecretList } from "./credentials.js";
import { classifyDynamoError, isConditionFailure } from "./errors.js";
import { type Item, expiryValues, liveItemValue, sortKeyOf, toItem } from "./item.js";
import { listKeys } from "./listing.js";
import {
  type DynamoDBSessionKVStoreOptions,
  type ResolvedOptions,
  resolveOptions,
  staticSecrets,
} from "./options.js";
import { ATTR, MAX_KEY_BYTES, itemKey, listingPlan } from "./schema.js";
import { ensureTable } from "./table.js";

/**
 * 400 KB is DynamoDB's item limit, counting attribute names and values. Keys take at most
 * 2048 + 1024 bytes and the other attributes under 100, so 384 KiB leaves a 16 KiB margin.
 */
const MAX_VALUE_BYTES = 384 * 1024;

/** "Exists and has not expired": the guard of `onlyIfExists` writes and of `expire`. */
const LIVE_CONDITION = "attribute_exists(#pk) AND #exp > :now";
const LIVE_NAMES = { "#pk": ATTR.partition, "#exp": ATTR.expiresAtMs };

const nowValue = (now: number): AttributeValue => ({ N: String(now) });

/** Names the middlewares of each store apart: stores may share one client. */
let stores = 0;

/**
 * A SessionKVStore on one DynamoDB table. Key schema, expiry and batching are explained in the
 * README and in schema.ts; every read is strongly consistent and filters on the exact expiry.
 */
export class DynamoDBSessionKVStore extends BaseSessionKVStore {
  readonly capabilities: StoreCapabilities = Object.freeze({
    ttlResolutionMs: 1,
    minTtlMs: 1,
    // Reads compare the stored exact deadline with this process's clock; the reaper's lag never shows.
    expiryLagMs: 0,
    maxValueBytes: MAX_VALUE_BYTES,
    maxKeyBytes: MAX_KEY_BYTES,
    // A partition is one DynamoDB partition key: listed by a Query of it (README, "Key schema").
    partitionListing: "indexed",
  });

  readonly #options: ResolvedOptions;
  readonly #client: DynamoDBClient;
  readonly #ownsClient: boolean;
  readonly #budgetMs: number;
  readonly #secrets: SecretList;
  readonly #unwatch: () => void;

  constructor(options: DynamoDBSessionKVStoreOptions) {
    // `?? {}` so that a missing options object is reported by resolveOptions as such.
    super(options ?? {});
    this.#options = resolveOptions(options);
    this.#budgetMs = budgetMs(this.operationTimeoutMs);
    this.#secrets = new SecretList(staticSecrets(options.clientConfig));
    const { client, owned } = openClient(options, this.#budgetMs);
    this.#client = client;
    this.#ownsClient = owned;
    this.#unwatch = this.#secrets.watch(this.#client, `sessionkvSecrets${++stores}`);
  }

  /** The client in use (the given one, or the one this store created). */
  get client(): DynamoDBClient {
    return this.#client;
  }

  get tableName(): string {
    return this.#options.tableName;
  }

  get keyPrefix(): string {
    return this.#options.keyPrefix;
  }

  protected override diagnosticsTarget(): StoreTarget {
    return { backend: "dynamodb", namespace: `${this.#options.tableName}:${this.#options.keyPrefix}` };
  }

  protected override secrets(): readonly string[] {
    return this.#secrets.all;
  }

  protected override classifyError(error: unknown, operation: string): SessionKVError {
    return classifyDynamoError(error, operation, this.#options.tableName);
  }

  protected async doStart(): Promise<void> {
    await this.#within("start", async (budget) => {
      await ensureTable(
        { client: this.#client, tableName: this.#options.tableName, budget },
        this.#options.createTable,
      );
    });
  }

  protected async doClose(): Promise<void> {
    this.#unwatch();
    if (this.#ownsClient) this.#client.destroy();
  }

  protected async doSet(key: string, value: Uint8Array, ttlMs: number, onlyIfExists: boolean): Promise<void> {
    await this.#within("set", async (budget) => {
      const now = deadlineNow();
      const command = new PutItemCommand({
        TableName: this.#options.tableName,
        Item: toItem(this.#options.tag, key, value, ttlMs, now),
        ...(onlyIfExists && {
          ConditionExpression: LIVE_CONDITION,
          ExpressionAttributeNames: LIVE_NAMES,
          ExpressionAttributeValues: { ":now": nowValue(now) },
        }),
      });
      try {
        await this.#client.send(command, { abortSignal: budget.signal });
      } catch (error) {
        if (!isConditionFailure(error)) throw error;
      }
    });
  }

  protected async doSetIfAbsent(key: string, value: Uint8Array, ttlMs: number): Promise<boolean> {
    const { tableName, tag } = this.#options;
    const command = claimCommand(tableName, tag, key, value, ttlMs);
    return this.#conditional("setIfAbsent", (signal) => this.#client.send(command, { abortSignal: signal }));
  }

  protected async doDeleteIfEquals(key: string, value: Uint8Array): Promise<boolean> {
    const { tableName, tag } = this.#options;
    const command = releaseCommand(tableName, tag, key, value);
    return this.#conditional("deleteIfEquals", (signal) =>
      this.#client.send(command, { abortSignal: signal }),
    );
  }

  /** Whether a conditional write applied: a failed condition is an answer, not an error. */
  #conditional(operation: string, send: (signal: AbortSignal) => Promise<unknown>): Promise<boolean> {
    return this.#within(operation, async (budget) => {
      try {
        await send(budget.signal);
        return true;
      } catch (error) {
        if (isConditionFailure(error)) return false;
        throw error;
      }
    });
  }

  protected async doMset(entries: readonly MsetEntry[]): Promise<void> {
    await this.#within("mset", async (budget) => {
      const now = deadlineNow();
      const requests = entries.map((e) => ({
        PutRequest: { Item: toItem(this.#options.tag, e.key, e.value, e.ttlMs, now) },
      }));
      await batchWrite(this.#batch(budget), requests);
    });
  }

  protected async doGet(key: string): Promise<Uint8Array | null> {
    return this.#within("get", async (budget) => {
      // Expiry is judged at the moment the read was issued: a record live then is a valid answer
      // even if a slow response arrives after its deadline (the read took effect in between).
      const now = deadlineNow();
      const out = await this.#client.send(
        new GetItemCommand({
          TableName: this.#options.tableName,
          Key: itemKey(this.#options.tag, key),
          ConsistentRead: true,
          ProjectionExpression: "#val, #exp",
          ExpressionAttributeNames: { "#val": ATTR.value, "#exp": ATTR.expiresAtMs },
        }),
        { abortSignal: budget.signal },
      );
      return liveItemValue(out.Item, now);
    });
  }

  protected async doMget(keys: readonly string[]): Promise<(Uint8Array | null)[]> {
    return this.#within("mget", async (budget) => {
      const now = deadlineNow();
      const items = await batchGet(
        this.#batch(budget),
        keys.map((key) => itemKey(this.#options.tag, key)),
        {
          Keys: [],
          ProjectionExpression: "#sk, #val, #exp",
          ExpressionAttributeNames: { "#sk": ATTR.sort, "#val": ATTR.value, "#exp": ATTR.expiresAtMs },
        },
      );
      const byKey = new Map<string, Item>();
      for (const item of items) {
        const key = sortKeyOf(item);
        if (key !== undefined) byKey.set(key, item);
      }
      return keys.map((key) => liveItemValue(byKey.get(key), now));
    });
  }

  /**
   * One conditional UpdateItem per key, in parallel. DynamoDB has no batch conditional update:
   * BatchWriteItem takes no conditions, and TransactWriteItems fails as a whole when any one
   * condition fails — but a missing or expired key among live ones is the normal case here and
   * must simply be skipped (it would also cap a call at 100 keys and cost double).
   */
  protected async doExpire(keys: readonly string[], ttlMs: number): Promise<void> {
    await this.#within("expire", async (budget) => {
      const now = deadlineNow();
      const { exact, reaper } = expiryValues(ttlMs, now);
      await mapLimit(keys, this.#options.concurrency, async (key) => {
        try {
          await this.#client.send(
            new UpdateItemCommand({
              TableName: this.#options.tableName,
              Key: itemKey(this.#options.tag, key),
              // Only the expiry attributes: the value is never rewritten, so a concurrent set is not undone.
              UpdateExpression: "SET #exp = :exp, #ttl = :ttl",
              ConditionExpression: LIVE_CONDITION,
              ExpressionAttributeNames: { ...LIVE_NAMES, "#ttl": ATTR.ttl },
              ExpressionAttributeValues: { ":exp": exact, ":ttl": reaper, ":now": nowValue(now) },
            }),
            { abortSignal: budget.signal },
          );
        } catch (error) {
          if (!isConditionFailure(error)) throw error;
        }
      });
    });
  }

  protected async doKeys(prefix: string): Promise<string[]> {
    return this.#within("keys", (budget) =>
      listKeys(
        { client: this.#client, tableName: this.#options.tableName, budget },
        listingPlan(this.#options.tag, prefix),
        deadlineNow(),
      ),
    );
  }

  protected async doDelete(keys: readonly string[]): Promise<void> {
    await this.#within("delete", async (budget) => {
      const requests = keys.map((key) => ({ DeleteRequest: { Key: itemKey(this.#options.tag, key) } }));
      await batchWrite(this.#batch(budget), requests);
    });
  }

  #batch(budget: Budget): BatchContext {
    return {
      client: this.#client,
      tableName: this.#options.tableName,
      budget,
      concurrency: this.#options.concurrency,
    };
  }

  async #within<T>(operation: string, work: (budget: Budget) => Promise<T>): Promise<T> {
    const budget = new Budget(operation, this.#budgetMs);
    try {
      return await work(budget);
    } catch (error) {
      // Whatever the SDK reports for an aborted request (its AbortError, a stream error), the
      // reason is that the budget ran out: say so, and keep the SDK's error as the cause.
      throw budget.expiredError(error) ?? error;
    } finally {
      budget.dispose();
    }
  }
}
