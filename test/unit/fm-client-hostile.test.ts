/**
 * The FM client against a hostile server over loopback: huge or endless answers end as an FM error that
 * says "response too large" (retried or not by their status, as any other answer), and an absurd `hash` is
 * never echoed back, so a server cannot make every later GetConfig carry megabytes.
 */
import { afterEach, describe, expect, it } from "vitest";
import { FmApiError } from "../../src/core/errors.js";
import { memoryLogger } from "../../src/core/logger.js";
import { createFmClient, GET_CONFIG_MAX_BODY_BYTES, MAX_ECHOED_HASH_CHARS } from "../../src/fm/client.js";
import { createHttpTransport, DEFAULT_MAX_BODY_BYTES } from "../../src/transport/http.js";
import type { HttpTransport, SendOutcome } from "../../src/transport/types.js";
import { standaloneFleet } from "../helpers/collectors.js";
import { createHostileServer, type HostileServer } from "../helpers/hostile-server.js";

const collector = standaloneFleet(1)[0]!;
let server: HostileServer | undefined;
let transport: HttpTransport | undefined;
afterEach(async () => {
  await transport?.close();
  await server?.close();
  server = undefined;
  transport = undefined;
});

function errorOf(outcome: SendOutcome<unknown>): Error | undefined {
  return outcome.kind === "success" ? undefined : outcome.error;
}

function valueOf<T>(outcome: SendOutcome<T>): T | undefined {
  return outcome.kind === "success" ? outcome.value : undefined;
}

async function clientFor(behaviour: Parameters<typeof createHostileServer>[0]) {
  server = await createHostileServer(behaviour);
  transport = createHttpTransport();
  const logger = memoryLogger();
  const client = createFmClient({
    baseUrl: server.url,
    stackId: "123",
    token: "glc_hostile_test_token_0123456789",
    transport,
    logger,
  });
  return { client, logger, server };
}

describe("FM client: answers over the cap", () => {
  it("an endless GetConfig answer is a non-retryable error that says the response was too large", async () => {
    const { client } = await clientFor({ kind: "endless" });
    const before = process.memoryUsage().rss;
    const outcome = await client.getConfig(collector, { timeoutMs: 5000 });
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
    expect(outcome.kind).toBe("failure");
    const error = errorOf(outcome) as FmApiError;
    expect(error).toBeInstanceOf(FmApiError);
    expect(error.message).toContain(`response too large (over ${GET_CONFIG_MAX_BODY_BYTES} bytes)`);
  });

  it("a 100 MB 503 page is still a 503: retryable, without reading the page", async () => {
    const { client } = await clientFor({ kind: "huge", status: 503, bytes: 100 * 1000 * 1000 });
    const outcome = await client.register(collector, { timeoutMs: 5000 });
    expect(outcome.kind).toBe("retryable");
    const error = errorOf(outcome) as FmApiError;
    expect(error).toMatchObject({ code: "unavailable", status: 503 });
    expect(error.message).toContain(`response too large (over ${DEFAULT_MAX_BODY_BYTES} bytes)`);
  });

  it("GetConfig content may be larger than other answers, up to its own cap", async () => {
    const { client } = await clientFor({ kind: "huge", status: 200, bytes: 2 * 1024 * 1024 });
    // Two MiB of "x" is not JSON, but it is read whole (the cap did not cut it): the error is about JSON.
    const outcome = await client.getConfig(collector, { timeoutMs: 5000 });
    expect(errorOf(outcome)?.message).toContain("the answer is not JSON");
    expect(GET_CONFIG_MAX_BODY_BYTES).toBeGreaterThan(DEFAULT_MAX_BODY_BYTES);
  });
});

describe("FM client: the echoed hash", () => {
  it("refuses a hash over the cap: no hash to echo, one warning however often it comes", async () => {
    const { client, logger } = await clientFor({ kind: "huge-hash", hashLength: 300_000 });
    for (let i = 0; i < 3; i++) {
      const outcome = await client.getConfig(collector);
      expect(outcome.kind).toBe("success");
      const value = valueOf(outcome)!;
      expect(value.hash).toBeUndefined();
      expect(value.content).toBe("logging {}");
    }
    const warnings = logger.lines.filter((l) => l.level === "warn");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]!.message).toContain(`300000 chars`);
    expect(warnings[0]!.message).toContain(`${MAX_ECHOED_HASH_CHARS}`);
  });

  it("keeps a hash of real size (a sha256 in hex)", async () => {
    const { client, logger } = await clientFor({ kind: "huge-hash", hashLength: 64 });
    const outcome = await client.getConfig(collector);
    expect(valueOf(outcome)?.hash).toBe("f".repeat(64));
    expect(logger.lines.filter((l) => l.level === "warn")).toHaveLength(0);
  });

  it("a hash of exactly the cap is kept, one char more is not", async () => {
    const { client } = await clientFor({ kind: "huge-hash", hashLength: MAX_ECHOED_HASH_CHARS });
    const kept = await client.getConfig(collector);
    expect(valueOf(kept)?.hash).toHaveLength(MAX_ECHOED_HASH_CHARS);
    server!.behave({ kind: "huge-hash", hashLength: MAX_ECHOED_HASH_CHARS + 1 });
    const refused = await client.getConfig(collector);
    expect(valueOf(refused)?.hash).toBeUndefined();
  });
});
