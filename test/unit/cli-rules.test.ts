/**
 * `fm-fleet rules` as a user runs it: a rule group whose alerts keep collector_id and carry the severity
 * asked for. That Prometheus accepts it and fires it is shown with the real promtool and Prometheus in
 * test/e2e/alerts.test.ts.
 */
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";
import { promDuration } from "../../src/alerts/rules.js";

interface RuleFile {
  groups: {
    name: string;
    rules: {
      alert: string;
      expr: string;
      for?: string;
      labels: Record<string, string>;
      annotations: Record<string, string>;
    }[];
  }[];
}

async function rules(argv: string[]) {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
    cwd: process.cwd(),
  };
  const code = await runCli(["rules", ...argv], io);
  return { code, stdout, stderr, file: code === 0 ? (parse(stdout) as RuleFile) : undefined };
}

describe("fm-fleet rules", () => {
  it("prints one group of alerts that keep collector_id, critical by default, firing after 1m", async () => {
    const { code, file, stdout } = await rules([]);
    expect(code).toBe(0);
    expect(stdout).not.toMatch(/[&*]a\d/); // no YAML anchors: plain for every rule loader
    const [group] = file!.groups;
    expect(file!.groups).toHaveLength(1);
    expect(group!.rules.map((r) => r.alert)).toEqual([
      "AlloyCollectorDown",
      "AlloyCollectorUnhealthyComponents",
    ]);
    for (const rule of group!.rules) {
      expect(rule.labels).toEqual({ severity: "critical", source: "fleet-management" });
      expect(rule.for).toBe("1m");
      expect(rule.annotations.summary).toContain("{{ $labels.collector_id }}");
      // An aggregation that drops collector_id would leave FM nothing to attribute the alert to.
      const by = /\bby \(([^)]*)\)/.exec(rule.expr);
      if (by) expect(by[1]!.split(",").map((l) => l.trim())).toContain("collector_id");
      expect(rule.expr).not.toMatch(/\bwithout\b/);
      expect(rule.expr).toContain('job="integrations/alloy"');
    }
    expect(group!.rules[0]!.expr).toBe('up{job="integrations/alloy"} == 0');
  });

  it("takes --severity warning and --for, and leaves `for` out at 0s", async () => {
    const warning = await rules(["--severity", "warning", "--for", "90s"]);
    expect(warning.file!.groups[0]!.rules.map((r) => [r.labels.severity, r.for])).toEqual([
      ["warning", "1m30s"],
      ["warning", "1m30s"],
    ]);
    const atOnce = await rules(["--for", "0s"]);
    expect(atOnce.file!.groups[0]!.rules.every((r) => r.for === undefined)).toBe(true);
  });

  it("refuses another severity, a bad duration and stray arguments, all at once", async () => {
    const { code, stdout, stderr } = await rules(["--severity", "info", "--for", "soon", "extra"]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr).toBe(
      [
        "fm-fleet rules: 3 problems:",
        '  - --severity: expected critical or warning, found "info"',
        '  - --for: expected a duration such as 0s, 30s or 5m, found "soon"',
        "  - extra: is not an argument of fm-fleet rules (it takes none)",
        "",
      ].join("\n"),
    );
  });

  it("writes durations the way Prometheus reads them: whole units, largest first", () => {
    expect(promDuration(0)).toBe("0s");
    expect(promDuration(1500)).toBe("1s500ms");
    expect(promDuration(3_600_000 + 60_000)).toBe("1h1m");
    expect(promDuration(45_000)).toBe("45s");
  });
});
