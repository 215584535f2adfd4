/**
 * Checks what each collector received from FM against what the expectations say it should
 * (settings/expectations.ts).
 * The comparison is exact: a pipeline it should have and did not get is missing, one it got and should not
 * have is unexpected, and both are mismatches. A collector whose content failed to load (FAILED), or whose
 * first GetConfig was never answered, mismatches too: it runs none of what it was sent. Pure.
 */
import { collectorMatchAttributes, matchesAll, type Matcher } from "./matchers.js";

/** One entry of expect-pipelines: collectors its matchers hold for expect exactly these pipelines. */
export interface PipelineExpectation {
  /** All must hold (an empty list holds for every collector). */
  readonly match: readonly Matcher[];
  readonly pipelines: readonly string[];
  /** 1-based line of the entry in its source. */
  readonly line: number;
}

export type Expectations = readonly PipelineExpectation[];

/** What one collector received last, as FM's GetConfig answered it (fm/received-configs.ts fills it). */
export interface ReceivedPipelines {
  /** Pipelines of the last content received, in order; none when it was empty or did not parse. */
  readonly pipelines: readonly string[];
  readonly status: "APPLIED" | "FAILED";
  /** When FAILED: the one-line message reported to FM, `3:1: expected }, got EOF`. */
  readonly error?: string;
}

export interface CollectorCheck {
  readonly id: string;
  /** Sorted by name. */
  readonly expected: readonly string[];
  /** Undefined when its first GetConfig was never answered. */
  readonly received?: ReceivedPipelines;
  /** Expected and not received, sorted. */
  readonly missing: readonly string[];
  /** Received and not expected, sorted. */
  readonly unexpected: readonly string[];
  /** Why it runs nothing it was sent: the FAILED message, or no answer. */
  readonly error?: string;
  readonly ok: boolean;
}

export interface PipelineCheck {
  /** Every collector, in roster order. */
  readonly collectors: readonly CollectorCheck[];
  /** The collectors that do not match, in roster order. */
  readonly mismatches: readonly CollectorCheck[];
  readonly ok: boolean;
}

/** The pipelines a collector expects, sorted: the union over the entries whose matchers all hold for it. */
export function expectedPipelines(
  expectations: Expectations,
  collector: { readonly id: string; readonly attributes: Readonly<Record<string, string>> },
): string[] {
  const attributes = collectorMatchAttributes({ id: collector.id, localAttributes: collector.attributes });
  const names = new Set<string>();
  for (const e of expectations)
    if (matchesAll(e.match, attributes)) for (const p of e.pipelines) names.add(p);
  return [...names].sort();
}

export const NO_ANSWER = "no GetConfig answer";

export function checkPipelines(
  expectations: Expectations,
  collectors: readonly { readonly id: string; readonly attributes: Readonly<Record<string, string>> }[],
  received: Readonly<Record<string, ReceivedPipelines>>,
): PipelineCheck {
  const checks = collectors.map((c): CollectorCheck => {
    const expected = expectedPipelines(expectations, c);
    const got = Object.hasOwn(received, c.id) ? received[c.id] : undefined;
    const have = new Set(got?.pipelines ?? []);
    const want = new Set(expected);
    const missing = expected.filter((p) => !have.has(p));
    const unexpected = [...have].filter((p) => !want.has(p)).sort();
    const error =
      got === undefined ? NO_ANSWER : got.status === "FAILED" ? (got.error ?? "FAILED") : undefined;
    return {
      id: c.id,
      expected,
      ...(got ? { received: got } : {}),
      missing,
      unexpected,
      ...(error !== undefined ? { error } : {}),
      ok: missing.length === 0 && unexpected.length === 0 && error === undefined,
    };
  });
  const mismatches = checks.filter((c) => !c.ok);
  return { collectors: checks, mismatches, ok: mismatches.length === 0 };
}
