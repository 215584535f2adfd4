/**
 * Which pipelines each collector should receive, as a workflow states it (the action's `expect-pipelines`,
 * `fm-fleet pipelines --expect FILE`): a YAML list of entries, each with Alertmanager matchers and pipeline
 * names.
 *
 *   - match: ['collector.os="linux"']
 *     pipelines: [node_metrics_linux, self_monitoring_metrics]
 *
 * A collector expects the union of the `pipelines` of every entry whose matchers all hold for its local
 * attributes plus `collector.ID`, with FM's matcher semantics (fleet/matchers.ts, docs/fm-protocol.md#matchers;
 * fleet/pipeline-check.ts applies them). Parsing reports every problem at once, each at its line and
 * column, before anything is sent. Pure.
 */
import { isAlias, isMap, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from "yaml";
import { closestMatch } from "../core/did-you-mean.js";
import { describeFound } from "../blueprint/messages.js";
import { MatcherError, parseMatcher, type Matcher } from "../fleet/matchers.js";
import type { Expectations, PipelineExpectation } from "../fleet/pipeline-check.js";

// The shape lives beside the check that reads it (fleet/pipeline-check.ts); this file parses the YAML into it.
export type { Expectations, PipelineExpectation } from "../fleet/pipeline-check.js";

export interface ExpectationProblem {
  /** 1-based. */
  readonly line: number;
  /** 1-based. */
  readonly column: number;
  /** What was expected and what was found. */
  readonly message: string;
}

export type ParsedExpectations =
  | { readonly ok: true; readonly expectations: Expectations }
  | { readonly ok: false; readonly problems: readonly ExpectationProblem[] };

const KEYS = ["match", "pipelines"] as const;
const EXAMPLE = `- match: ['collector.os="linux"'] with pipelines: [node_metrics_linux]`;

/** Text in, expectations or every problem out. Never throws. */
export function parseExpectations(text: string): ParsedExpectations {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  const problems: ExpectationProblem[] = [];
  const at = (node: Node | null | undefined, message: string, fallback = 0) => {
    const { line, col } = lineCounter.linePos(node?.range?.[0] ?? fallback);
    problems.push({ line, column: col, message });
  };
  if (doc.errors.length > 0) {
    for (const err of doc.errors) {
      const { line, col } = lineCounter.linePos(err.pos[0]);
      problems.push({ line, column: col, message: `invalid YAML: ${err.message.split("\n")[0]}` });
    }
    return { ok: false, problems };
  }

  const root = resolve(doc, doc.contents);
  if (!isSeq(root)) {
    at(root, `expected a list of entries such as ${EXAMPLE}, found ${foundOf(root)}`);
    return { ok: false, problems };
  }

  const expectations: PipelineExpectation[] = [];
  root.items.forEach((item, index) => {
    const entry = resolve(doc, item);
    const name = `entry ${index + 1}`;
    if (!isMap(entry)) {
      at(entry, `${name}: expected a mapping with match and pipelines, found ${foundOf(entry)}`);
      return;
    }
    const fields = new Map<string, Node | null>();
    for (const pair of entry.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : undefined;
      if (key === undefined || !(KEYS as readonly string[]).includes(key)) {
        const suggestion = key === undefined ? undefined : closestMatch(key, KEYS);
        at(
          pair.key as Node,
          `${name}: ${key === undefined ? "a key that is not a name" : JSON.stringify(key)} is not a field of an entry` +
            (suggestion ? `: did you mean ${suggestion}?` : " (an entry has match and pipelines)"),
        );
        continue;
      }
      fields.set(key, resolve(doc, pair.value));
    }
    for (const key of KEYS)
      if (!fields.has(key))
        at(
          entry,
          `${name}: missing ${key}: ${key === "match" ? "the matchers that pick the collectors, [] for every collector" : "the pipeline names these collectors should receive"}`,
        );

    const matchNode = fields.get("match");
    const match: Matcher[] = [];
    if (matchNode !== undefined)
      for (const { node, text: matcher } of stringsOf(doc, matchNode, `${name} match`, "matcher", at)) {
        try {
          match.push(parseMatcher(matcher));
        } catch (err) {
          if (!(err instanceof MatcherError)) throw err;
          at(node, `${name} match: ${err.message}`);
        }
      }
    const pipelinesNode = fields.get("pipelines");
    const pipelines =
      pipelinesNode === undefined
        ? []
        : stringsOf(doc, pipelinesNode, `${name} pipelines`, "pipeline name", at).map((s) => s.text);
    const { line } = lineCounter.linePos(entry.range?.[0] ?? 0);
    expectations.push({ match, pipelines, line });
  });
  return problems.length > 0
    ? { ok: false, problems: problems.sort((a, b) => a.line - b.line || a.column - b.column) }
    : { ok: true, expectations };
}

/** The non-empty strings of a YAML list; anything else is a problem at its node. */
function stringsOf(
  doc: Document,
  node: Node | null,
  where: string,
  what: string,
  at: (node: Node | null | undefined, message: string) => void,
): { node: Node; text: string }[] {
  if (!isSeq(node)) {
    at(node, `${where}: expected a list of ${what}s, found ${foundOf(node)}`);
    return [];
  }
  const out: { node: Node; text: string }[] = [];
  node.items.forEach((raw, i) => {
    const item = resolve(doc, raw);
    if (isScalar(item) && typeof item.value === "string" && item.value.trim() !== "")
      out.push({ node: item, text: item.value });
    else at(item, `${where} #${i + 1}: expected a ${what}, found ${foundOf(item)}`);
  });
  return out;
}

/** Follows an alias to its node; other nodes as they are. */
function resolve(doc: Document, node: unknown): Node | null {
  if (isAlias(node)) return (node.resolve(doc) as Node | undefined) ?? null;
  return (node ?? null) as Node | null;
}

function foundOf(node: Node | null | undefined): string {
  if (node === null || node === undefined) return "nothing";
  if (isSeq(node)) return node.items.length === 0 ? "an empty list" : "a list";
  if (isMap(node)) return "a mapping";
  if (isScalar(node)) return describeFound(node.value);
  return "something else";
}
