/**
 * The shipped example (examples/pipelines): served by the emulator to the shipped blueprints' collectors,
 * every collector receives exactly what examples/pipelines/expect.yaml says, and what its comments claim.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadBlueprint } from "../../src/blueprint/load.js";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { loadPipelineDir } from "../../src/emulator/pipeline-files.js";
import { matchesAll, parseMatchers } from "../../src/fleet/matchers.js";
import { buildRoster } from "../../src/fleet/roster.js";
import { envName } from "../../src/settings/rules.js";

const EXAMPLES = join(import.meta.dirname, "../../examples/pipelines");

let emulator: FmEmulator | undefined;
afterEach(async () => {
  await emulator?.close();
  emulator = undefined;
});

/** Pipeline names per collector ID, as received over the wire (the top-level declare labels). */
async function received(
  blueprint: string,
  env: string,
): Promise<Map<string, { attrs: Record<string, string>; got: string[] }>> {
  emulator = await createFmEmulator({
    pipelines: loadPipelineDir(EXAMPLES).pipelines,
    rateLimitPerSecond: 10_000,
  });
  const fm = emulator;
  const auth = `Basic ${Buffer.from(`${fm.stackId}:${fm.token}`).toString("base64")}`;
  const post = async (method: string, body: object) => {
    const res = await fetch(`${fm.url}/collector.v1.CollectorService/${method}`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: auth },
      body: JSON.stringify(body),
    });
    expect(res.status, method).toBe(200);
    return (await res.json()) as { content?: string };
  };
  const out = new Map<string, { attrs: Record<string, string>; got: string[] }>();
  const parsed = envName.parse(env);
  if (!parsed.ok) throw new Error(`bad env ${env}`);
  for (const c of buildRoster(loadBlueprint(blueprint).blueprint, { env: parsed.value }).collectors) {
    await post("RegisterCollector", { id: c.id, name: c.name, localAttributes: c.attributes });
    const { content = "" } = await post("GetConfig", { id: c.id, localAttributes: c.attributes });
    out.set(c.id, {
      attrs: { ...c.attributes },
      got: [...content.matchAll(/^declare "([^"]+)"/gm)].map((m) => m[1]!),
    });
  }
  return out;
}

function expected(attrs: Record<string, string>, id: string): string[] {
  const entries = parse(readFileSync(join(EXAMPLES, "expect.yaml"), "utf8")) as {
    match: string[];
    pipelines: string[];
  }[];
  const names = new Set<string>();
  for (const e of entries)
    if (matchesAll(parseMatchers(e.match), { ...attrs, "collector.ID": id }))
      e.pipelines.forEach((p) => names.add(p));
  return [...names].sort();
}

describe("examples/pipelines", () => {
  it.each([
    ["fleet-management", "ci"],
    ["fleet-management", "prod"],
    ["k8s-monitoring", "ci"],
  ])("%s (env %s): every collector receives exactly what expect.yaml says", async (blueprint, env) => {
    const got = await received(blueprint, env);
    expect(got.size).toBeGreaterThan(0);
    for (const [id, { attrs, got: names }] of got) expect(names, id).toEqual(expected(attrs, id));
  });

  it("gives the fleet-management collectors what the comments of expect.yaml claim", async () => {
    const tally = (m: Map<string, { got: string[] }>) => {
      const counts = new Map<string, number>();
      for (const { got } of m.values()) counts.set(got.join(" + "), (counts.get(got.join(" + ")) ?? 0) + 1);
      return Object.fromEntries(counts);
    };
    expect(tally(await received("fleet-management", "ci"))).toEqual({
      "node_metrics_linux + self_monitoring_metrics": 12,
      self_monitoring_metrics: 7,
    });
    await emulator?.close();
    expect(tally(await received("fleet-management", "prod"))).toEqual({
      "node_metrics_linux + self_monitoring_metrics": 12,
      "self_monitoring_metrics + windows_metrics": 4,
      self_monitoring_metrics: 3,
    });
  });
});
