import { request as httpRequest } from "node:http";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  createRemoteWriteReceiver,
  HUGE_RETRY_AFTER_SECONDS,
  type RemoteWriteReceiver,
} from "../../src/emulator/rw-receiver.js";
import { encodeWriteRequest, type WriteSeries } from "../../src/remote-write/encode.js";
import { ProtoWriter } from "../../src/remote-write/proto-writer.js";
import { compressBlock } from "../../src/remote-write/snappy.js";
import { createHttpTransport } from "../../src/transport/http.js";
import type { HttpResponse } from "../../src/transport/types.js";
import { sleep, waitFor } from "../helpers/wait.js";

const T0 = Date.UTC(2026, 0, 1);
const HEADERS = {
  "content-encoding": "snappy",
  "content-type": "application/x-protobuf",
  "x-prometheus-remote-write-version": "0.1.0",
};
const basic = (user: string, token: string) => `Basic ${Buffer.from(`${user}:${token}`).toString("base64")}`;

const transport = createHttpTransport();
let receiver: RemoteWriteReceiver | undefined;
afterAll(() => transport.close());
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});

async function post(
  rx: RemoteWriteReceiver,
  raw: Uint8Array,
  headers: Record<string, string> = HEADERS,
): Promise<HttpResponse & { text: string }> {
  const res = await transport.request({ url: rx.url, method: "POST", headers, body: compressBlock(raw) });
  return { ...res, text: new TextDecoder().decode(res.body) };
}

const series = (name: string, extra: [string, string][], samples: WriteSeries["samples"]): WriteSeries => ({
  labels: [["__name__", name], ...extra],
  samples,
});

/** A one-sample series with labels exactly as given: no sorting or checks, to send what a buggy sender would. */
function rawRequest(labels: [string, string][], value: number, timestampMs: number): Uint8Array {
  const record = new ProtoWriter();
  for (const [name, v] of labels)
    record.bytesField(1, new ProtoWriter().stringField(1, name).stringField(2, v).finish());
  record.bytesField(2, new ProtoWriter().doubleField(1, value).varintField(2, timestampMs).finish());
  return new ProtoWriter().bytesField(1, record.finish()).finish();
}

describe("local remote-write receiver", () => {
  it("accepts a valid request with 204 and keeps each series' last sample and the metadata", async () => {
    receiver = await createRemoteWriteReceiver();
    const res = await post(
      receiver,
      encodeWriteRequest(
        [
          series(
            "up",
            [["job", "a"]],
            [
              { value: 1, timestampMs: T0 },
              { value: 0, timestampMs: T0 + 15_000 },
            ],
          ),
          series("go_goroutines", [["job", "a"]], [{ value: 42, timestampMs: T0 }]),
        ],
        [{ name: "up", type: "gauge", help: "Up." }],
      ),
    );
    expect(res.status).toBe(204);
    expect(receiver.series()).toEqual([
      {
        labels: { __name__: "up", job: "a" },
        lastValue: 0,
        lastTimestampMs: T0 + 15_000,
        stale: false,
        samples: 2,
      },
      {
        labels: { __name__: "go_goroutines", job: "a" },
        lastValue: 42,
        lastTimestampMs: T0,
        stale: false,
        samples: 1,
      },
    ]);
    expect(receiver.openSeries()).toBe(2);
    expect(receiver.metadata().get("up")).toMatchObject({ type: "GAUGE", help: "Up." });
    expect(receiver.log()[0]).toMatchObject({ status: 204, series: 2, samples: 3 });
  });

  it("closes a series on the stale marker", async () => {
    receiver = await createRemoteWriteReceiver();
    await post(receiver, encodeWriteRequest([series("up", [], [{ value: 1, timestampMs: T0 }])]));
    expect(receiver.openSeries()).toBe(1);
    await post(
      receiver,
      encodeWriteRequest([series("up", [], [{ value: 0, timestampMs: T0 + 1, stale: true }])]),
    );
    expect(receiver.openSeries()).toBe(0);
    expect(receiver.series()[0]).toMatchObject({ stale: true, lastTimestampMs: T0 + 1 });
  });

  it("answers 401 when Basic auth is configured and the request lacks it or gets it wrong", async () => {
    receiver = await createRemoteWriteReceiver({ user: "42", token: "secret" });
    const body = encodeWriteRequest([series("up", [], [{ value: 1, timestampMs: T0 }])]);
    expect((await post(receiver, body)).status).toBe(401);
    expect((await post(receiver, body, { ...HEADERS, authorization: basic("42", "wrong") })).status).toBe(
      401,
    );
    expect((await post(receiver, body, { ...HEADERS, authorization: basic("42", "secret") })).status).toBe(
      204,
    );
  });

  it("refuses a sample older than the series' last one with 400 out of order, rolling back the whole request", async () => {
    receiver = await createRemoteWriteReceiver();
    await post(receiver, encodeWriteRequest([series("up", [], [{ value: 1, timestampMs: T0 + 1000 }])]));
    const res = await post(
      receiver,
      encodeWriteRequest([
        series("go_goroutines", [], [{ value: 5, timestampMs: T0 + 2000 }]),
        series("up", [], [{ value: 1, timestampMs: T0 + 999 }]),
      ]),
    );
    expect(res.status).toBe(400);
    expect(res.text).toContain("out of order sample");
    expect(receiver.series().map((s) => s.labels.__name__)).toEqual(["up"]);
  });

  it("ignores an exact repeat but refuses a different value at the same timestamp", async () => {
    receiver = await createRemoteWriteReceiver();
    const once = encodeWriteRequest([series("up", [], [{ value: 1, timestampMs: T0 }])]);
    expect((await post(receiver, once)).status).toBe(204);
    expect((await post(receiver, once)).status).toBe(204);
    expect(receiver.series()[0]!.samples).toBe(1);
    const changed = await post(
      receiver,
      encodeWriteRequest([series("up", [], [{ value: 2, timestampMs: T0 }])]),
    );
    expect(changed.status).toBe(400);
    expect(changed.text).toContain("duplicate sample");
  });

  it("refuses repeated or unsorted label names and series without __name__ with 400", async () => {
    receiver = await createRemoteWriteReceiver();
    const repeated = await post(
      receiver,
      rawRequest(
        [
          ["__name__", "up"],
          ["job", "a"],
          ["job", "b"],
        ],
        1,
        T0,
      ),
    );
    expect(repeated.status).toBe(400);
    expect(repeated.text).toContain("duplicate label name job");
    const unsorted = await post(
      receiver,
      rawRequest(
        [
          ["__name__", "up"],
          ["os", "linux"],
          ["job", "a"],
        ],
        1,
        T0,
      ),
    );
    expect(unsorted.status).toBe(400);
    expect(unsorted.text).toContain("not sorted");
    const nameless = await post(receiver, rawRequest([["job", "a"]], 1, T0));
    expect(nameless.status).toBe(400);
    expect(receiver.series()).toEqual([]);
  });

  it("refuses a request without the headers remote write 1.0 requires, or with a body that is not snappy", async () => {
    receiver = await createRemoteWriteReceiver();
    const body = encodeWriteRequest([series("up", [], [{ value: 1, timestampMs: T0 }])]);
    const noVersion = await post(receiver, body, {
      "content-encoding": "snappy",
      "content-type": "application/x-protobuf",
    });
    expect(noVersion.status).toBe(400);
    expect(noVersion.text).toContain("x-prometheus-remote-write-version");
    const raw = await transport.request({ url: receiver.url, method: "POST", headers: HEADERS, body });
    expect(raw.status).toBe(400);
  });

  it("injects faults: a status with Retry-After, then a connection reset", async () => {
    receiver = await createRemoteWriteReceiver({ faults: { failNext: 1, status: 429, retryAfter: "3" } });
    const body = encodeWriteRequest([series("up", [], [{ value: 1, timestampMs: T0 }])]);
    const throttled = await post(receiver, body);
    expect(throttled.status).toBe(429);
    expect(throttled.headers["retry-after"]).toBe("3");
    expect((await post(receiver, body)).status).toBe(204);

    receiver.setFaults({ failNext: 1, status: "reset" });
    await expect(post(receiver, body)).rejects.toThrow();
    expect(receiver.requests()).toBe(3);
  });

  it("fails about the share of requests asked, reproducibly for a seed", async () => {
    const run = async () => {
      const rx = await createRemoteWriteReceiver({ seed: 7, faults: { failRatio: 0.5, status: 503 } });
      const statuses: number[] = [];
      for (let i = 0; i < 20; i++)
        statuses.push(
          (await post(rx, encodeWriteRequest([series("up", [], [{ value: 1, timestampMs: T0 + i }])])))
            .status,
        );
      await rx.close();
      return statuses;
    };
    const first = await run();
    expect(await run()).toEqual(first);
    const failed = first.filter((s) => s === 503).length;
    expect(failed).toBeGreaterThan(3);
    expect(failed).toBeLessThan(17);
  });
});

/** Posts a body and reads at most `limit` bytes of the answer, then hangs up: for bodies that never end. */
function readAtMost(
  rx: RemoteWriteReceiver,
  raw: Uint8Array,
  limit: number,
): Promise<{ status: number; bytes: number; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(rx.url, { method: "POST", headers: HEADERS }, (res) => {
      let bytes = 0;
      const finish = (ended: boolean) => resolve({ status: res.statusCode ?? 0, bytes, ended });
      res.on("data", (chunk: Buffer) => {
        bytes += chunk.length;
        if (bytes >= limit) {
          req.destroy();
          finish(false);
        }
      });
      res.on("end", () => finish(true));
    });
    req.on("error", (err) => (req.destroyed ? undefined : reject(err)));
    req.end(compressBlock(raw));
  });
}

const stored = (rx: RemoteWriteReceiver) => new Set(rx.series().map((s) => s.labels.__name__));

describe("local remote-write receiver: hostile faults", () => {
  it("meets scripted faults in order, then draws as usual", async () => {
    receiver = await createRemoteWriteReceiver({
      faults: { script: ["huge_retry_after", "hang", "huge_retry_after"], hangMs: 50 },
    });
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push(
        await post(
          receiver,
          encodeWriteRequest([series("up", [], [{ value: 1, timestampMs: T0 + i }])]),
        ).then(
          (res) => res.status,
          () => 0,
        ),
      );
    expect(statuses[0]).toBe(429);
    expect([0, 204]).toContain(statuses[1]);
    expect(statuses.slice(2)).toEqual([429, 204]);
    expect(receiver.log().map((r) => r.fault)).toEqual([
      "huge_retry_after",
      "hang",
      "huge_retry_after",
      undefined,
    ]);
    expect(receiver.faultCounts()).toEqual({ huge_retry_after: 2, hang: 1 });
  });

  it("answers 429 with a Retry-After of days and stores nothing", async () => {
    receiver = await createRemoteWriteReceiver({ faults: { hugeRetryAfterRatio: 1 } });
    const res = await post(receiver, encodeWriteRequest([series("up", [], [{ value: 1, timestampMs: T0 }])]));
    expect(res.status).toBe(429);
    expect(res.headers["retry-after"]).toBe(String(HUGE_RETRY_AFTER_SECONDS));
    expect(receiver.series()).toEqual([]);
    expect(receiver.log()[0]).toMatchObject({ status: 429, fault: "huge_retry_after" });
  });

  it("streams a body that never ends: a 200 after storing or a 503 before", async () => {
    receiver = await createRemoteWriteReceiver({ faults: { endlessBodyRatio: 1 } });
    const limit = 8 * 1024 * 1024;
    const statuses = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const name = `m${i}`;
      const answer = await readAtMost(
        receiver,
        encodeWriteRequest([series(name, [], [{ value: 1, timestampMs: T0 }])]),
        limit,
      );
      expect(answer.ended, name).toBe(false);
      expect(answer.bytes, name).toBeGreaterThanOrEqual(limit);
      statuses.set(name, answer.status);
    }
    expect(new Set(statuses.values())).toEqual(new Set([200, 503]));
    const names = stored(receiver);
    for (const [name, status] of statuses) expect(names.has(name), name).toBe(status === 200);
    expect(receiver.log().every((r) => r.fault === "endless_body")).toBe(true);
    expect(receiver.faultCounts()).toEqual({ endless_body: 8 });
  });

  it("holds a push unanswered, then stores and answers it or closes without storing", async () => {
    receiver = await createRemoteWriteReceiver({ faults: { hangRatio: 1, hangMs: 200 } });
    const statuses = new Map<string, number>();
    for (let i = 0; i < 8; i++) {
      const name = `m${i}`;
      const status = await post(
        receiver,
        encodeWriteRequest([series(name, [], [{ value: 1, timestampMs: T0 }])]),
      ).then(
        (res) => res.status,
        () => 0,
      );
      statuses.set(name, status);
    }
    expect(new Set(statuses.values())).toEqual(new Set([204, 0]));
    const names = stored(receiver);
    for (const [name, status] of statuses) expect(names.has(name), name).toBe(status === 204);
    expect(receiver.log().map((r) => r.fault)).toEqual(Array(8).fill("hang"));
  });

  it("never stores a hung push whose sender gave up, and ends hung pushes when it closes", async () => {
    const rx = await createRemoteWriteReceiver({ faults: { hangRatio: 1, hangMs: 300 } });
    receiver = rx;
    for (let i = 0; i < 6; i++) {
      const gaveUp = transport.request({
        url: rx.url,
        method: "POST",
        headers: HEADERS,
        body: compressBlock(encodeWriteRequest([series(`m${i}`, [], [{ value: 1, timestampMs: T0 }])])),
        timeoutMs: 50,
      });
      await expect(gaveUp).rejects.toThrow(/within 50 ms/);
    }
    await waitFor(() => rx.log().length === 6, 5_000, "the hung pushes to end");
    expect(rx.series()).toEqual([]);

    rx.setFaults({ hangRatio: 1, hangMs: 600_000 });
    const hung = post(rx, encodeWriteRequest([series("late", [], [{ value: 1, timestampMs: T0 }])])).then(
      () => "answered",
      () => "closed",
    );
    await sleep(200);
    expect(rx.log()).toHaveLength(6);
    await rx.close();
    expect(await hung).toBe("closed");
    await waitFor(() => rx.log().length === 7, 2_000, "the hung push to end");
    expect(rx.series()).toEqual([]);
  });
});
