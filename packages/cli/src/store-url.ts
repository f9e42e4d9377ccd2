import { invalidArgument } from "@sessionkv/core/store-kit";

/**
 * What `--url` names: the backend package to load and the options of its store. One scheme per
 * backend (README, "URL schemes"); the parse is the CLI's, so a bad URL fails before any package
 * is loaded or any connection is made.
 */
export type StoreUrl =
  | { readonly backend: "redis"; readonly url: string }
  | { readonly backend: "redis"; readonly sentinel: RedisSentinel }
  | { readonly backend: "redis"; readonly cluster: RedisCluster }
  | { readonly backend: "etcd"; readonly hosts: string[]; readonly auth?: Credentials }
  | { readonly backend: "memcached"; readonly servers: string; readonly auth?: Credentials }
  | {
      readonly backend: "dynamodb";
      readonly tableName: string;
      readonly region?: string;
      readonly endpoint?: string;
    };

interface Credentials {
  readonly username: string;
  readonly password: string;
}

export interface HostPort {
  readonly host: string;
  readonly port: number;
}

interface RedisSentinel {
  readonly sentinels: HostPort[];
  readonly name: string;
  readonly auth?: Partial<Credentials>;
}

interface RedisCluster {
  readonly nodes: HostPort[];
  readonly auth?: Partial<Credentials>;
}

export type Backend = StoreUrl["backend"];

/** The npm package each backend lives in: the CLI loads it from the operator's project. */
export const BACKEND_PACKAGES: Readonly<Record<Backend, { name: string; store: string }>> = {
  redis: { name: "@sessionkv/redis", store: "RedisSessionKVStore" },
  etcd: { name: "@sessionkv/etcd", store: "EtcdSessionKVStore" },
  memcached: { name: "@sessionkv/memcached", store: "MemcachedSessionKVStore" },
  dynamodb: { name: "@sessionkv/dynamodb", store: "DynamoDBSessionKVStore" },
};

const URL_SHAPE = /^([a-z][a-z0-9+.-]*):\/\/(?:([^@/?#]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/i;

/** The password of a URL, raw and decoded, for redaction; [] when it has none or does not parse. */
export function urlSecrets(text: string): string[] {
  const userinfo = URL_SHAPE.exec(text)?.[2];
  const colon = userinfo?.indexOf(":") ?? -1;
  if (userinfo === undefined || colon < 0) return [];
  const raw = userinfo.slice(colon + 1);
  return [raw, safeDecode(raw)].filter((s) => s.length > 0);
}

/** The URL with its password masked, for messages that name the store. */
export function displayUrl(text: string): string {
  const [secret] = urlSecrets(text);
  if (secret === undefined) return text;
  return text.replace(`:${secret}@`, ":***@");
}

export function parseStoreUrl(text: string): StoreUrl {
  const match = URL_SHAPE.exec(text);
  if (match === null) throw bad(text, "is not a URL of the form scheme://host:port");
  const [, rawScheme = "", userinfo, authority = "", path = "", query = ""] = match;
  const scheme = rawScheme.toLowerCase();
  const auth = userinfo === undefined ? undefined : credentials(userinfo);
  switch (scheme) {
    case "redis":
    case "rediss":
      if (authority.includes(","))
        throw bad(text, "names several hosts: use redis+cluster:// or redis+sentinel:// for those");
      hostPorts(text, authority, 6379);
      return { backend: "redis", url: text };
    case "redis+sentinel": {
      const name = safeDecode(path.replace(/^\//, ""));
      if (name.length === 0 || name.includes("/"))
        throw bad(text, "needs the master's name as its path: redis+sentinel://host:port,host:port/mymaster");
      noQuery(text, query);
      return {
        backend: "redis",
        sentinel: { sentinels: hostPorts(text, authority, 26379), name, ...authOf(auth) },
      };
    }
    case "redis+cluster":
      noPath(text, path);
      noQuery(text, query);
      return { backend: "redis", cluster: { nodes: hostPorts(text, authority, 6379), ...authOf(auth) } };
    case "etcd":
    case "etcds": {
      noPath(text, path);
      noQuery(text, query);
      const protocol = scheme === "etcds" ? "https" : "http";
      const hosts = hostPorts(text, authority, 2379).map((h) => `${protocol}://${hostText(h)}:${h.port}`);
      return { backend: "etcd", hosts, ...fullAuth(text, auth) };
    }
    case "memcached": {
      noPath(text, path);
      noQuery(text, query);
      const servers = hostPorts(text, authority, 11211)
        .map((h) => `${hostText(h)}:${h.port}`)
        .join(",");
      return { backend: "memcached", servers, ...fullAuth(text, auth) };
    }
    case "dynamodb": {
      if (auth !== undefined)
        throw bad(text, "must not carry credentials: DynamoDB takes them from the AWS environment");
      noPath(text, path);
      const tableName = safeDecode(authority);
      if (tableName.length === 0) throw bad(text, "needs the table name: dynamodb://TABLE?region=…");
      const params = new URLSearchParams(query);
      for (const key of params.keys())
        if (key !== "region" && key !== "endpoint")
          throw bad(text, `has an unknown parameter ${JSON.stringify(key)} (known: region, endpoint)`);
      const region = params.get("region") ?? undefined;
      const endpoint = params.get("endpoint") ?? undefined;
      return {
        backend: "dynamodb",
        tableName,
        ...(region === undefined ? {} : { region }),
        ...(endpoint === undefined ? {} : { endpoint }),
      };
    }
    default:
      throw bad(
        text,
        `has an unknown scheme ${JSON.stringify(`${scheme}://`)} (known: redis, rediss, redis+sentinel, redis+cluster, etcd, etcds, memcached, dynamodb)`,
      );
  }
}

function bad(text: string, problem: string) {
  return invalidArgument("--url", `${JSON.stringify(displayUrl(text))} ${problem}`);
}

function credentials(userinfo: string): Partial<Credentials> {
  const colon = userinfo.indexOf(":");
  const username = safeDecode(colon < 0 ? userinfo : userinfo.slice(0, colon));
  const password = colon < 0 ? "" : safeDecode(userinfo.slice(colon + 1));
  return { ...(username === "" ? {} : { username }), ...(password === "" ? {} : { password }) };
}

function authOf(auth: Partial<Credentials> | undefined): { auth?: Partial<Credentials> } {
  return auth === undefined || Object.keys(auth).length === 0 ? {} : { auth };
}

/** etcd and Memcached authenticate with a user and a password together, never one alone. */
function fullAuth(text: string, auth: Partial<Credentials> | undefined): { auth?: Credentials } {
  if (auth === undefined) return {};
  if (auth.username === undefined || auth.password === undefined)
    throw bad(text, "needs both a user and a password (user:password@host:port), or neither");
  return { auth: { username: auth.username, password: auth.password } };
}

function hostPorts(text: string, authority: string, defaultPort: number): HostPort[] {
  if (authority.length === 0) throw bad(text, "names no host");
  return authority.split(",").map((part) => {
    const m = /^(\[[0-9a-f:.]+\]|[^:[\]]+)(?::(\d+))?$/i.exec(part);
    if (m === null) throw bad(text, `has a host that is not host or host:port: ${JSON.stringify(part)}`);
    const port = m[2] === undefined ? defaultPort : Number(m[2]);
    if (!(port > 0 && port < 65536)) throw bad(text, `has a port out of range: ${JSON.stringify(part)}`);
    return { host: (m[1] as string).replace(/^\[|\]$/g, ""), port };
  });
}

function hostText({ host }: HostPort): string {
  return host.includes(":") ? `[${host}]` : host;
}

function noPath(text: string, path: string): void {
  if (path.length > 0 && path !== "/") throw bad(text, `takes no path, got ${JSON.stringify(path)}`);
}

function noQuery(text: string, query: string): void {
  if (query.length > 0) throw bad(text, "takes no query parameters");
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
