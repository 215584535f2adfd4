import { describe, expect, it } from "vitest";
import { postAnnotations } from "../../src/action/post-annotations.js";
import type { TeardownResult } from "../../src/runtime/teardown.js";
import { emptyCleanup } from "../../src/runtime/status.js";
import { standaloneFleet } from "../helpers/collectors.js";

const refused = "connect ECONNREFUSED 127.0.0.1:43121";
const fleet = standaloneFleet(19);

/** Post after FM and the receiver went away: every collector still registered, every series open. */
const incomplete: TeardownResult = {
  daemon: "stopped",
  cleanedBy: "inline",
  problems: [
    ...fleet.map((c) => `collector ${c.id} is still registered: ${refused}`),
    `551 series were not closed: ${refused}`,
  ],
  cleanup: {
    ...emptyCleanup(),
    unregisterFailed: fleet.map((c) => ({ id: c.id, error: refused })),
    seriesOpen: 551,
    seriesError: refused,
    complete: false,
  },
};

describe("post's annotations", () => {
  it("raise one warning per kind of problem, with a title and the count, not one per collector", () => {
    const list = postAnnotations(incomplete, { failOnCleanupError: false });
    expect(list).toEqual([
      {
        level: "warning",
        title: "fm-action: collectors left registered",
        message:
          `19 collectors still registered in Fleet Management: ${refused}. FM marks them inactive once their ` +
          "heartbeats stop; `fm-fleet sweep` (or input `sweep: true` on a later run) deletes them. Details in the job summary.",
      },
      {
        level: "warning",
        title: "fm-action: series left open",
        message: `551 series not closed (no stale marker): ${refused}. They go stale 5 minutes after their last sample. Details in the job summary.`,
      },
    ]);
  });

  it("become errors with fail-on-cleanup-error, still one per kind", () => {
    const list = postAnnotations(incomplete, { failOnCleanupError: true });
    expect(list.map((a) => [a.level, a.title])).toEqual([
      ["error", "fm-action: collectors left registered"],
      ["error", "fm-action: series left open"],
    ]);
  });

  it("fold many distinct reasons and many cleanup warnings into one annotation each", () => {
    const many: TeardownResult = {
      ...incomplete,
      problems: fleet.map((c) => `collector ${c.id} is still registered: HTTP 50${c.id.length % 10}`),
      cleanup: {
        ...emptyCleanup(),
        unregisterFailed: fleet.map((c, i) => ({ id: c.id, error: `reason ${i}` })),
        warnings: ["3 collector(s) unregistered, not deleted: 403", "2 collectors left to run r-2"],
        complete: false,
      },
    };
    const list = postAnnotations(many, { failOnCleanupError: false });
    expect(list.map((a) => a.title)).toEqual([
      "fm-action: collectors left registered",
      "fm-action: cleanup warning",
    ]);
    expect(list[0]!.message).toMatch(
      /^19 collectors still registered in Fleet Management: reason 0 \(and other reasons\)\./,
    );
    expect(list[1]!.message).toBe(
      "3 collector(s) unregistered, not deleted: 403 (and 1 more warnings in the job summary)",
    );
  });

  it("name a background process left running once, and nothing when all was cleaned", () => {
    const hung: TeardownResult = {
      daemon: "hung",
      cleanedBy: "nobody",
      problems: ["the background process (PID 4242) is still running, so nothing was cleaned up behind it"],
      cleanup: { ...emptyCleanup(), complete: false },
    };
    expect(postAnnotations(hung, { failOnCleanupError: false })).toEqual([
      {
        level: "warning",
        title: "fm-action: background process still running",
        message:
          "Cleanup incomplete: the background process (PID 4242) is still running, so nothing was cleaned up behind it. " +
          "Stop that process, then run the cleanup again (`fm-fleet stop`). Details in the job summary.",
      },
    ]);
    const clean: TeardownResult = {
      daemon: "stopped",
      cleanedBy: "daemon",
      problems: [],
      cleanup: emptyCleanup(),
    };
    expect(postAnnotations(clean, { failOnCleanupError: true })).toEqual([]);
  });
});
