// Clients for the real test services, set to fail fast (no endless reconnects or offline queues) so that a
// stopped service fails a test within seconds and by name.
import pg from "pg";
import { Redis } from "ioredis";
import { Kafka, logLevel } from "kafkajs";
import {
  kafkaService,
  postgresService,
  redisService,
  usingService,
  type KafkaService,
  type PostgresService,
  type RedisService,
} from "./services.ts";

export async function connectPostgres(service: PostgresService = postgresService()): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: service.url, connectionTimeoutMillis: 5_000 });
  // An idle client whose server goes away emits 'error'; the next query reports it, by service name.
  client.on("error", () => undefined);
  await usingService(service, () => client.connect());
  return client;
}

export async function connectRedis(service: RedisService = redisService()): Promise<Redis> {
  const redis = new Redis(service.url, {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    connectTimeout: 5_000,
    retryStrategy: () => null,
  });
  redis.on("error", () => undefined);
  await usingService(service, () => redis.connect());
  return redis;
}

export function kafkaClient(clientId: string, service: KafkaService = kafkaService()): Kafka {
  return new Kafka({
    clientId,
    brokers: [...service.brokers],
    connectionTimeout: 5_000,
    requestTimeout: 15_000,
    retry: { retries: 3, initialRetryTime: 200 },
    // kafkajs logs every retried request at ERROR; a real failure still surfaces as a rejected promise.
    logLevel: logLevel.NOTHING,
  });
}
