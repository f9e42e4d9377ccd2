import type { DynamoDBClient } from "@aws-sdk/client-dynamodb";

/**
 * Credentials from a provider function (environment, profile, SSO, an assumed role) are resolved
 * per request and rotate: a session token first seen an hour after start() can still be echoed
 * into an error (a proxy or endpoint that reflects request headers). So the secrets are learned
 * from every request, once its identity is resolved and before it is signed and sent, and
 * redacted from every error the store surfaces.
 */

/** Rotated secrets kept: enough for the requests still in flight when credentials rotate. */
const REMEMBERED = 32;

/** Where the SDK keeps the identity a request is signed with (`@smithy/core`'s auth middleware). */
interface SmithyContext {
  readonly __smithy_context?: {
    readonly selectedHttpAuthScheme?: {
      readonly identity?: { readonly secretAccessKey?: unknown; readonly sessionToken?: unknown };
    };
  };
}

type Headers = Readonly<Record<string, unknown>>;

/** The secrets to redact: those of static options, then every one a request was signed with. */
export class SecretList {
  readonly #fixed: readonly string[];
  #learned: string[] = [];
  #all: readonly string[];

  constructor(fixed: readonly string[]) {
    this.#fixed = fixed;
    this.#all = fixed;
  }

  get all(): readonly string[] {
    return this.#all;
  }

  learn(secret: unknown): void {
    if (typeof secret !== "string" || secret === "" || this.#all.includes(secret)) return;
    this.#learned = [...this.#learned.slice(-(REMEMBERED - 1)), secret];
    this.#all = [...this.#fixed, ...this.#learned];
  }

  /**
   * Registers, on the client, a middleware that learns each request's secrets: from the identity
   * resolved for it (before signing), and from the session token header of the signed request
   * (whatever identity source produced it). Returns its removal, for close().
   */
  watch(client: DynamoDBClient, name: string): () => void {
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const identity = (context as SmithyContext).__smithy_context?.selectedHttpAuthScheme?.identity;
        this.learn(identity?.secretAccessKey);
        this.learn(identity?.sessionToken);
        return next(args);
      },
      { step: "build", name: `${name}Identity`, priority: "low" },
    );
    client.middlewareStack.add(
      (next) => async (args) => {
        const headers = (args.request as { headers?: Headers } | undefined)?.headers;
        this.learn(headers?.["x-amz-security-token"]);
        return next(args);
      },
      { step: "deserialize", name: `${name}Token`, priority: "low" },
    );
    return () => {
      client.middlewareStack.remove(`${name}Identity`);
      client.middlewareStack.remove(`${name}Token`);
    };
  }
}
