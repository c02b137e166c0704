// Where the replay store's Redis is, from REDIS_URL: one server (redis://, rediss://), a Sentinel-managed
// primary (redis+sentinel://[user:pass@]host:port[,host:port...]/MASTER_NAME, rediss+sentinel:// for TLS to the
// sentinels and the primary), or a Redis Cluster (redis+cluster://[user:pass@]host:port[,host:port...],
// rediss+cluster://). Strict: anything else is refused with the reason.

export interface RedisNode {
  readonly host: string;
  readonly port: number;
}

interface Credentials {
  readonly username?: string;
  readonly password?: string;
  readonly tls: boolean;
}

export type RedisTarget =
  | ({ readonly kind: "single"; readonly url: string } & Credentials)
  | ({
      readonly kind: "sentinel";
      readonly sentinels: readonly RedisNode[];
      /** The name the sentinels monitor the primary by. */
      readonly name: string;
      readonly db: number;
    } & Credentials)
  | ({ readonly kind: "cluster"; readonly nodes: readonly RedisNode[] } & Credentials);

export class RedisUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedisUrlError";
  }
}

const SCHEMES: Readonly<Record<string, { kind: RedisTarget["kind"]; tls: boolean }>> = {
  "redis:": { kind: "single", tls: false },
  "rediss:": { kind: "single", tls: true },
  "redis+sentinel:": { kind: "sentinel", tls: false },
  "rediss+sentinel:": { kind: "sentinel", tls: true },
  "redis+cluster:": { kind: "cluster", tls: false },
  "rediss+cluster:": { kind: "cluster", tls: true },
};

const HOST_PORT = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d{1,5})$/;

function nodes(list: string): RedisNode[] {
  if (list === "") throw new RedisUrlError("names no host:port");
  return list.split(",").map((item) => {
    const match = HOST_PORT.exec(item);
    const port = Number(match?.[2]);
    if (!match?.[1] || !Number.isInteger(port) || port < 1 || port > 65_535)
      throw new RedisUrlError(`'${item}' is not host:port`);
    return { host: match[1].replace(/^\[|\]$/g, ""), port };
  });
}

function decoded(text: string, what: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    throw new RedisUrlError(`its ${what} is not valid percent-encoding`);
  }
}

interface Authority {
  readonly hosts: string;
  readonly path: string;
  readonly username?: string;
  readonly password?: string;
}

/** `[user[:pass]@]hosts[/path]`: host lists are not URLs to WHATWG's parser, so split by hand. */
function authority(rest: string): Authority {
  const slashAt = rest.indexOf("/");
  const at = rest.lastIndexOf("@", slashAt === -1 ? rest.length : slashAt);
  const userinfo = at === -1 ? "" : rest.slice(0, at);
  const afterUser = at === -1 ? rest : rest.slice(at + 1);
  if (/[?#]/.test(afterUser)) throw new RedisUrlError("takes no query or fragment");
  const slash = afterUser.indexOf("/");
  const colon = userinfo.indexOf(":");
  const username = decoded(colon === -1 ? userinfo : userinfo.slice(0, colon), "user name");
  const password = colon === -1 ? "" : decoded(userinfo.slice(colon + 1), "password");
  return {
    hosts: slash === -1 ? afterUser : afterUser.slice(0, slash),
    path: slash === -1 ? "" : afterUser.slice(slash + 1),
    ...(username !== "" && { username }),
    ...(password !== "" && { password }),
  };
}

function sentinelPath(path: string): { name: string; db: number } {
  const [name = "", db = "0", ...extra] = path.split("/");
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name))
    throw new RedisUrlError("of a sentinel must end with /MASTER_NAME (the name the sentinels monitor)");
  if (extra.length > 0 || !/^\d{1,2}$/.test(db))
    throw new RedisUrlError("has a path other than /MASTER_NAME[/DB]");
  return { name, db: Number(db) };
}

/** Parses REDIS_URL; throws RedisUrlError (without echoing any password) when it is not one of the forms. */
export function parseRedisUrl(raw: string): RedisTarget {
  const scheme = /^([a-z+]+:)\/\//.exec(raw)?.[1] ?? "";
  const form = SCHEMES[scheme];
  if (!form)
    throw new RedisUrlError(
      `must use redis:, rediss:, redis+sentinel:, rediss+sentinel:, redis+cluster: or rediss+cluster: (got ${scheme || "none"})`,
    );
  if (form.kind === "single") {
    if (!URL.canParse(raw)) throw new RedisUrlError("is not a URL");
    return { kind: "single", url: raw, tls: form.tls };
  }
  const { hosts, path, ...credentials } = authority(raw.slice(scheme.length + 2));
  if (form.kind === "cluster") {
    if (path !== "") throw new RedisUrlError("of a cluster takes no path (a cluster has database 0 only)");
    return { kind: "cluster", nodes: nodes(hosts), ...credentials, tls: form.tls };
  }
  return { kind: "sentinel", sentinels: nodes(hosts), ...sentinelPath(path), ...credentials, tls: form.tls };
}
