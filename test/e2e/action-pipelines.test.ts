/**
 * The built action's pipeline check, played as the runner plays it (test/helpers/runner.ts) against the FM
 * emulator serving the shipped examples/pipelines: the `pipelines` output, `expect-pipelines` passing and
 * failing main with a table, and post's summary showing pipelines × collectors.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createFmEmulator, type FmEmulator } from "../../src/emulator/fm-server.js";
import { loadPipelineDir } from "../../src/emulator/pipeline-files.js";
import { createRunner, ROOT } from "../helpers/runner.js";

const FM_TOKEN = "glc_CANARYfmTOKENpipelines0123456789";
const STACK_ID = "314159";
const EXAMPLES = join(ROOT, "examples/pipelines");

describe("the action with expect-pipelines", () => {
  let fm: FmEmulator;

  beforeEach(async () => {
    expect(existsSync(join(ROOT, "dist", "main", "index.js")), "run npm run build first").toBe(true);
    fm = await createFmEmulator({
      stackId: STACK_ID,
      token: FM_TOKEN,
      pipelines: loadPipelineDir(EXAMPLES).pipelines,
    });
  });
  afterEach(() => fm.close());

  const inputs = (extra: Record<string, string>) => ({
    blueprint: "fleet-management",
    env: "pr-42",
    "heartbeat-interval": "2s",
    "fm-url": fm.url,
    "fm-stack-id": STACK_ID,
    "fm-token": FM_TOKEN,
    ...extra,
  });

  it("passes with the example's expectations, sets the pipelines output, and post shows what each received", async () => {
    const runner = createRunner();
    const main = await runner.main(
      inputs({ "expect-pipelines": readFileSync(join(EXAMPLES, "expect.yaml"), "utf8") }),
    );
    expect(main.code, main.stdout + main.stderr).toBe(0);
    expect(main.stdout).toContain("all 19 collectors receive exactly what expect-pipelines expects.");
    const received = JSON.parse(main.outputs.pipelines!) as Record<string, string[]>;
    expect(Object.keys(received)).toHaveLength(19);
    expect(received["fleet-management-pr-42-linux-01"]).toEqual([
      "node_metrics_linux",
      "self_monitoring_metrics",
    ]);
    expect(received["fleet-management-pr-42-windows-01"]).toEqual(["self_monitoring_metrics"]);

    const post = await runner.post();
    expect(post.code, post.stdout + post.stderr).toBe(0);
    expect(post.summary).toContain("### Pipelines received from Fleet Management");
    expect(post.summary).toContain("| fleet-management-pr-42-linux-01 | ✓ | ✓ | APPLIED |");
    expect(post.summary).toContain("| fleet-management-pr-42-darwin-01 |  | ✓ | APPLIED |");
    expect(fm.collectors().filter((c) => c.registered)).toEqual([]);
  });

  it("fails main with a table of the collectors that do not receive what is expected; post still cleans up", async () => {
    const runner = createRunner();
    const main = await runner.main(
      inputs({
        "expect-pipelines": [
          "- match: ['collector.os=~\".+\"']",
          "  pipelines: [self_monitoring_metrics]",
          "- match: ['collector.os=\"windows\"']",
          "  pipelines: [windows_metrics]",
        ].join("\n"),
      }),
    );
    expect(main.code).toBe(1);
    expect(main.stdout).toMatch(
      /::error title=fm-action pipelines::16 of 19 collectors do not receive what expect-pipelines expects:/,
    );
    // The annotation carries the table (the runner's %0A is a line break).
    const annotation = main.stdout
      .split("\n")
      .find((l) => l.startsWith("::error title=fm-action pipelines::"))!
      .split("%0A");
    expect(annotation[1]!.split(/ {2,}/)).toEqual(["COLLECTOR", "MISSING", "UNEXPECTED", "ERROR"]);
    const rows = new Map(annotation.slice(2).map((l) => [l.split(/ {2,}/)[0], l.split(/ {2,}/)]));
    expect(rows.get("fleet-management-pr-42-linux-01")).toEqual([
      "fleet-management-pr-42-linux-01",
      "-",
      "node_metrics_linux",
      "-",
    ]);
    expect(rows.get("fleet-management-pr-42-windows-01")).toEqual([
      "fleet-management-pr-42-windows-01",
      "windows_metrics",
      "-",
      "-",
    ]);
    expect(rows.has("fleet-management-pr-42-darwin-01")).toBe(false);
    expect(JSON.parse(main.outputs.pipelines!)).toHaveProperty("fleet-management-pr-42-linux-01");

    const post = await runner.post();
    expect(post.code).toBe(0);
    expect(fm.collectors().filter((c) => c.registered)).toEqual([]);
  });
});
