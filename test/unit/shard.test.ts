/**
 * Shards: one fleet spread over several jobs. Every part is cut from the whole roster, so IDs are the whole
 * fleet's; the parts are disjoint and together they are the roster; the `i/n` rule refuses what no matrix
 * should produce. `fm-fleet plan --shard` shows one part.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { shardPart } from "../../src/fleet/shard.js";
import { MAX_SHARDS, shard } from "../../src/settings/rules.js";

async function cli(args: string[]) {
  const out = { stdout: "", stderr: "" };
  const io: CliIo = {
    stdout: { write: (t: string) => (out.stdout += t) },
    stderr: { write: (t: string) => (out.stderr += t) },
    env: {},
    cwd: process.cwd(),
  };
  const code = await runCli(args, io);
  return { code, ...out };
}

describe("shardPart", () => {
  it("splits any roster into disjoint parts whose union is the roster, each in roster order", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 600 }),
        fc.integer({ min: 1, max: MAX_SHARDS }),
        (size, count) => {
          const roster = Array.from({ length: size }, (_, k) => `c${k}`);
          const parts = Array.from({ length: count }, (_, i) => shardPart(roster, { index: i + 1, count }));
          const all = parts.flat();
          expect(new Set(all).size).toBe(all.length);
          expect([...all].sort()).toEqual([...roster].sort());
          for (const [i, part] of parts.entries()) {
            expect(part).toEqual(roster.filter((_, k) => k % count === i));
            // Dealt round-robin: part sizes differ by at most one.
            expect(part.length).toBeGreaterThanOrEqual(Math.floor(size / count));
            expect(part.length).toBeLessThanOrEqual(Math.ceil(size / count));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("puts the collector at 0-based position k in part (k mod n) + 1", () => {
    const roster = ["a", "b", "c", "d", "e", "f", "g"];
    expect(shardPart(roster, { index: 1, count: 3 })).toEqual(["a", "d", "g"]);
    expect(shardPart(roster, { index: 2, count: 3 })).toEqual(["b", "e"]);
    expect(shardPart(roster, { index: 3, count: 3 })).toEqual(["c", "f"]);
    expect(shardPart(roster, { index: 1, count: 1 })).toEqual(roster);
  });

  it("refuses a part that does not exist", () => {
    expect(() => shardPart(["a"], { index: 0, count: 2 })).toThrow(RangeError);
    expect(() => shardPart(["a"], { index: 3, count: 2 })).toThrow(RangeError);
    expect(() => shardPart(["a"], { index: 1, count: 0 })).toThrow(RangeError);
  });
});

describe("the i/n rule", () => {
  it("accepts 1 ≤ i ≤ n ≤ 256", () => {
    expect(shard.parse("1/1")).toEqual({ ok: true, value: { index: 1, count: 1 } });
    expect(shard.parse("3/4")).toEqual({ ok: true, value: { index: 3, count: 4 } });
    expect(shard.parse("256/256")).toEqual({ ok: true, value: { index: 256, count: 256 } });
  });

  it.each([
    ["0/4", 'expected a part from 1 to 4 before the "/", found "0/4"'],
    ["5/4", 'expected a part from 1 to 4 before the "/", found "5/4"'],
    ["1/0", 'expected between 1 and 256 parts after the "/", found "1/0"'],
    ["1/257", 'expected between 1 and 256 parts after the "/", found "1/257"'],
    ["2", 'expected a part of the fleet as i/n, with 1 ≤ i ≤ n ≤ 256 (e.g. 2/4), found "2"'],
    ["2/4/8", 'expected a part of the fleet as i/n, with 1 ≤ i ≤ n ≤ 256 (e.g. 2/4), found "2/4/8"'],
    ["-1/4", 'expected a part of the fleet as i/n, with 1 ≤ i ≤ n ≤ 256 (e.g. 2/4), found "-1/4"'],
    ["1.0/4", 'expected a part of the fleet as i/n, with 1 ≤ i ≤ n ≤ 256 (e.g. 2/4), found "1.0/4"'],
    ["\u0661/2", 'expected a part of the fleet as i/n, with 1 ≤ i ≤ n ≤ 256 (e.g. 2/4), found "\u0661/2"'],
  ])("refuses %s", (text, problem) => {
    expect(shard.parse(text)).toEqual({ ok: false, problem });
  });
});

describe("fm-fleet plan --shard", () => {
  const idsOf = (stdout: string) =>
    (JSON.parse(stdout) as { collectors: { id: string }[] }).collectors.map((c) => c.id);

  it("shows one part, with the whole roster's IDs, and the parts add up to the roster", async () => {
    const whole = idsOf((await cli(["plan", "fleet-management", "--json"])).stdout);
    expect(whole.length).toBeGreaterThan(4);
    const parts: string[][] = [];
    for (const i of [1, 2, 3, 4]) {
      const { code, stdout } = await cli(["plan", "fleet-management", "--json", "--shard", `${i}/4`]);
      expect(code).toBe(0);
      expect((JSON.parse(stdout) as { shard: unknown }).shard).toEqual({
        index: i,
        count: 4,
        rosterSize: whole.length,
      });
      parts.push(idsOf(stdout));
    }
    expect(parts[1]).toEqual(whole.filter((_, k) => k % 4 === 1));
    expect(parts.flat().sort()).toEqual([...whole].sort());
  });

  it("says which part the table shows", async () => {
    const { stdout } = await cli(["plan", "fleet-management", "--shard", "2/4"]);
    expect(stdout.split("\n")[0]).toMatch(
      /^fleet-management: \d+ collectors \(part 2 of 4 of a \d+-collector roster\)/,
    );
  });

  it("refuses a part that does not exist with exit code 2", async () => {
    const { code, stderr } = await cli(["plan", "fleet-management", "--shard", "5/4"]);
    expect(code).toBe(2);
    expect(stderr).toBe('fm-fleet plan: --shard: expected a part from 1 to 4 before the "/", found "5/4"\n');
  });
});
