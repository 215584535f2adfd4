/**
 * Turns zod issues into blueprint problems: one per offending node, with the words the blueprint format asks
 * for (README.md#blueprints).
 */
import type * as z from "zod";
import type { Anchor } from "./source-map.js";
import { hasPath, type YamlPath } from "./yaml-path.js";

/** A problem before it is located in the source. */
export interface PendingProblem {
  readonly path: YamlPath;
  readonly anchor: Anchor;
  readonly message: string;
}

export function problemsFromIssues(issues: readonly z.core.$ZodIssue[], data: unknown): PendingProblem[] {
  const problems: PendingProblem[] = [];
  for (const issue of issues) {
    const path = issue.path.filter((s): s is string | number => typeof s !== "symbol");
    if (issue.code === "unrecognized_keys") {
      // One problem per key, anchored on the key itself. OS maps get their own noun so
      // `unknown OS "macos"` reads as what it is.
      const noun = /_per_os$/.test(String(path[path.length - 1] ?? "")) ? "OS" : "key";
      for (const key of issue.keys) {
        problems.push({
          path: [...path, key],
          anchor: "key",
          message: `unknown ${noun} ${JSON.stringify(key)}: ${issue.message}`,
        });
      }
    } else if (issue.code === "invalid_key") {
      problems.push({ path, anchor: "key", message: issue.issues[0]?.message ?? issue.message });
    } else {
      problems.push({ path, anchor: hasPath(data, path) ? "value" : "parent", message: issue.message });
    }
  }
  return problems;
}
