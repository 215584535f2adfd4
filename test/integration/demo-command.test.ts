/**
 * `fm-fleet demo` (the README's first command): what it says the emulator saw must be what happened. Cleanup
 * deletes FM's records, so the registered and heartbeat counts must come from what FM was asked, not from
 * the records left at the end.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/index.js";
import type { CliIo } from "../../src/cli/io.js";

/** The number on the line of the emulator report that starts with `label`. */
function figure(stdout: string, label: string): number {
  const line = stdout.split("\n").find((l) => l.trim().startsWith(label));
  if (!line) throw new Error(`no line "${label}" in:\n${stdout}`);
  return Number(
    line
      .slice(line.indexOf(":") + 1)
      .trim()
      .split(" ")[0],
  );
}

describe("fm-fleet demo", () => {
  it("reports every collector registered and heartbeating, and none left registered, listed or open", async () => {
    let stdout = "";
    const io: CliIo = {
      stdout: { write: (t: string) => (stdout += t) },
      stderr: { write: () => {} },
      env: {},
      cwd: mkdtempSync(join(tmpdir(), "fm-fleet-demo-")),
    };
    const code = await runCli(["demo", "--duration", "6s"], io);
    expect(code).toBe(0);
    // The shipped fleet-management blueprint has 19 collectors; each heartbeats at registration at least.
    expect(figure(stdout, "collectors registered:")).toBe(19);
    expect(figure(stdout, "heartbeats (GetConfig):")).toBeGreaterThanOrEqual(19);
    expect(figure(stdout, "still registered now:")).toBe(0);
    expect(figure(stdout, "records left in FM's list:")).toBe(0);
    expect(figure(stdout, "series still open now:")).toBe(0);
    expect(stdout).toContain("demo complete");
  }, 60_000);
});
