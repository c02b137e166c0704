import assert from "node:assert/strict";
import { test } from "node:test";
import { parseRedisUrl, RedisUrlError } from "../../../src/replay/redis-target.ts";

test("redis target: one server, a Sentinel-managed primary, a Cluster", () => {
  assert.deepEqual(parseRedisUrl("redis://127.0.0.1:6379"), {
    kind: "single",
    url: "redis://127.0.0.1:6379",
    tls: false,
  });
  assert.deepEqual(
    parseRedisUrl("rediss+sentinel://app:p%40ss@s1.example:26379,s2.example:26380,[::1]:26381/mymaster"),
    {
      kind: "sentinel",
      sentinels: [
        { host: "s1.example", port: 26379 },
        { host: "s2.example", port: 26380 },
        { host: "::1", port: 26381 },
      ],
      name: "mymaster",
      db: 0,
      username: "app",
      password: "p@ss",
      tls: true,
    },
  );
  assert.deepEqual(parseRedisUrl("redis+sentinel://:secret@127.0.0.1:26379/parmana/2"), {
    kind: "sentinel",
    sentinels: [{ host: "127.0.0.1", port: 26379 }],
    name: "parmana",
    db: 2,
    password: "secret",
    tls: false,
  });
  assert.deepEqual(parseRedisUrl("redis+cluster://10.0.0.1:7000,10.0.0.2:7001"), {
    kind: "cluster",
    nodes: [
      { host: "10.0.0.1", port: 7000 },
      { host: "10.0.0.2", port: 7001 },
    ],
    tls: false,
  });
});

test("redis target: anything else is refused with the reason, never echoing a password", () => {
  const refused: [string, RegExp][] = [
    ["http://x:1", /must use redis:, rediss:, redis\+sentinel:/],
    ["redis+sentinel://h:26379", /must end with \/MASTER_NAME/],
    ["redis+sentinel://h:26379/", /must end with \/MASTER_NAME/],
    ["redis+sentinel://h:26379/m/x", /other than \/MASTER_NAME\[\/DB\]/],
    ["redis+sentinel:///m", /names no host:port/],
    ["redis+sentinel://h/m", /'h' is not host:port/],
    ["redis+sentinel://h:0/m", /'h:0' is not host:port/],
    ["redis+sentinel://h:99999/m", /is not host:port/],
    ["redis+cluster://h:1/db", /takes no path/],
    ["redis+cluster://h:1?tls=1", /takes no query/],
    ["redis+cluster://u:hunter2@h:1,,h:2", /'' is not host:port/],
    ["redis+cluster://u:%zz@h:1", /password is not valid percent-encoding/],
  ];
  for (const [url, message] of refused) {
    assert.throws(
      () => parseRedisUrl(url),
      (error: unknown) =>
        error instanceof RedisUrlError && message.test(error.message) && !error.message.includes("hunter2"),
      url,
    );
  }
});
