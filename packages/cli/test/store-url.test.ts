import { describe, expect, it } from "vitest";
import { displayUrl, parseStoreUrl, urlSecrets } from "../src/store-url.js";

// README, "URL schemes": what each form becomes. The bin's tests cover the errors end to end.
describe("parseStoreUrl", () => {
  it("redis:// and rediss:// go to the store as given", () => {
    expect(parseStoreUrl("redis://u:p@127.0.0.1:6380/2")).toEqual({
      backend: "redis",
      url: "redis://u:p@127.0.0.1:6380/2",
    });
    expect(parseStoreUrl("rediss://cache.internal")).toEqual({
      backend: "redis",
      url: "rediss://cache.internal",
    });
  });

  it("redis+sentinel://: sentinels with the default port 26379, the master's name, decoded credentials", () => {
    expect(parseStoreUrl("redis+sentinel://app:p%40ss@10.0.0.1,10.0.0.2:26380/my%20master")).toEqual({
      backend: "redis",
      sentinel: {
        sentinels: [
          { host: "10.0.0.1", port: 26379 },
          { host: "10.0.0.2", port: 26380 },
        ],
        name: "my master",
        auth: { username: "app", password: "p@ss" },
      },
    });
  });

  it("redis+cluster://: seed nodes, a password without a user", () => {
    expect(parseStoreUrl("redis+cluster://:pw@10.0.0.1:7000,[::1]:7001")).toEqual({
      backend: "redis",
      cluster: {
        nodes: [
          { host: "10.0.0.1", port: 7000 },
          { host: "::1", port: 7001 },
        ],
        auth: { password: "pw" },
      },
    });
  });

  it("etcd:// is http, etcds:// https; port default 2379", () => {
    expect(parseStoreUrl("etcd://a,b:2380")).toEqual({
      backend: "etcd",
      hosts: ["http://a:2379", "http://b:2380"],
    });
    expect(parseStoreUrl("etcds://root:pw@[fe80::1]")).toEqual({
      backend: "etcd",
      hosts: ["https://[fe80::1]:2379"],
      auth: { username: "root", password: "pw" },
    });
  });

  it("memcached://: a servers list, port default 11211, SASL credentials", () => {
    expect(parseStoreUrl("memcached://u:p@m1,m2:11212")).toEqual({
      backend: "memcached",
      servers: "m1:11211,m2:11212",
      auth: { username: "u", password: "p" },
    });
  });

  it("dynamodb://TABLE with region and endpoint", () => {
    expect(
      parseStoreUrl("dynamodb://sessions?region=eu-west-1&endpoint=http%3A%2F%2F127.0.0.1%3A8000"),
    ).toEqual({
      backend: "dynamodb",
      tableName: "sessions",
      region: "eu-west-1",
      endpoint: "http://127.0.0.1:8000",
    });
    expect(parseStoreUrl("dynamodb://t")).toEqual({ backend: "dynamodb", tableName: "t" });
  });

  it("a URL's password, raw and decoded, is what output must never show", () => {
    expect(urlSecrets("redis://u:p%2Fw@h:1")).toEqual(["p%2Fw", "p/w"]);
    expect(urlSecrets("redis://h:1")).toEqual([]);
    expect(displayUrl("memcached://u:p%2Fw@h:1")).toBe("memcached://u:***@h:1");
  });
});
