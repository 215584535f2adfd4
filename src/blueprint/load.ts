/**
 * Blueprint loading (README.md#blueprints): resolve a path or a shipped name, parse the YAML keeping node
 * positions, validate, and report every problem at once as one BlueprintError.
 */
import { readFileSync, statSync } from "node:fs";
import { resolve } from "node:path";
import {
  LineCounter,
  Lexer,
  Parser,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type CST,
  type Document,
} from "yaml";
import { closestMatch } from "../core/did-you-mean.js";
import { BlueprintError, type BlueprintProblem } from "../core/errors.js";
import { problemsFromIssues, type PendingProblem } from "./issues.js";
import { describeFound } from "./messages.js";
import { emptyRosterProblem, ignoredKeys, relationProblems } from "./rules.js";
import { blueprintSchema } from "./schema.js";
import { SHIPPED_BLUEPRINTS, SHIPPED_NAMES, isShippedName } from "./shipped.js";
import { createSourceMap } from "./source-map.js";
import type { LoadedBlueprint } from "./types.js";
import { formatYamlPath } from "./yaml-path.js";

/**
 * Aliases may expand to at most this many nodes in total. Real blueprints use a handful; a "billion laughs"
 * document would otherwise hang the step (yaml's `maxAliasCount`).
 */
const MAX_ALIAS_EXPANSION = 100;

/**
 * Lists and mappings may nest at most this deep. Real blueprints nest 6 levels; yaml composes a document
 * recursively, so a few thousand levels overflow the stack (a 3,000-deep file crashed the loader).
 */
export const MAX_NESTING_DEPTH = 128;

export interface LoadOptions {
  /** Base for a relative path; default process.cwd(). */
  cwd?: string;
}

/** An existing file path wins over a shipped name of the same spelling. */
export function loadBlueprint(ref: string, options: LoadOptions = {}): LoadedBlueprint {
  const path = resolve(options.cwd ?? process.cwd(), ref);
  if (isFile(path)) {
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (err) {
      throw new BlueprintError(ref, [
        { path: "", message: `cannot read the file: ${(err as Error).message}` },
      ]);
    }
    return parseBlueprint(text, ref);
  }
  if (isShippedName(ref)) return parseBlueprint(SHIPPED_BLUEPRINTS[ref], `shipped:${ref}`);
  const suggestion = closestMatch(ref, SHIPPED_NAMES);
  throw new BlueprintError(ref, [
    {
      path: "",
      message: `expected a path to a YAML file or a shipped blueprint name (${SHIPPED_NAMES.join(", ")}), found neither${suggestion ? `: did you mean ${suggestion}?` : ""}`,
    },
  ]);
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** Pure: text in, typed blueprint or BlueprintError out. `file` only names the source in messages. */
export function parseBlueprint(text: string, file: string): LoadedBlueprint {
  const lineCounter = lineCounterOf(text);
  // Checked before anything recursive sees the nesting: a bound from yaml's lexer (no recursion) keeps its
  // parser safe, then the exact depth from the parser's syntax tree.
  const tooDeep = lexicalNestingProblem(text, lineCounter) ?? nestingProblem(text, lineCounter);
  if (tooDeep) throw new BlueprintError(file, [tooDeep]);
  // YAML 1.2 core schema (so `on`/`yes` stay strings); `<<` merge keys let environments share settings.
  const doc = parseDocument(text, { merge: true, uniqueKeys: true });
  if (doc.errors.length > 0)
    throw new BlueprintError(
      file,
      doc.errors.map((err) => syntaxProblem(err, lineCounter)),
    );

  const sourceMap = createSourceMap(doc, lineCounter);
  const locate = (p: PendingProblem): BlueprintProblem => ({
    path: formatYamlPath(p.path),
    ...sourceMap.positionOf(p.path, p.anchor),
    message: p.message,
  });

  const keyProblems = collectionKeyProblems(doc, lineCounter);
  if (keyProblems.length > 0) throw new BlueprintError(file, keyProblems);

  const data = toPlainData(doc, lineCounter, file);
  if (data === null || data === undefined) {
    throw new BlueprintError(file, [
      { path: "", message: "expected a mapping with at least a name, found an empty document" },
    ]);
  }

  const parsed = blueprintSchema.safeParse(data);
  const pending = [
    ...(parsed.success ? [] : problemsFromIssues(parsed.error.issues, data)),
    ...relationProblems(data),
  ];
  if (parsed.success && pending.length === 0) {
    const empty = emptyRosterProblem(parsed.data, data);
    if (empty) pending.push(empty);
  }
  if (!parsed.success || pending.length > 0)
    throw new BlueprintError(file, sortByPosition(pending.map(locate)));

  const ignored = ignoredKeys(data);
  const notices =
    ignored.length === 0
      ? []
      : [
          `blueprint ${file}: ignoring ${ignored.join(", ")}: fm-action does not use ${ignored.length === 1 ? "this key" : "these keys"} (blueprints written for synthkit carry them)`,
        ];
  return { blueprint: parsed.data, file, notices, locate: (path) => sourceMap.positionOf(path, "key") };
}

function depthProblem(offset: number, lineCounter: LineCounter): BlueprintProblem {
  const pos = lineCounter.linePos(offset);
  return {
    path: "",
    line: pos.line,
    column: pos.col,
    message: `expected lists and mappings nested at most ${MAX_NESTING_DEPTH} levels deep, found deeper nesting here`,
  };
}

/** yaml's lexer markers, which stand for no source text (yaml `parse/cst.ts`). */
const DOCUMENT = "\x02";
const FLOW_END = "\x18";
const SCALAR = "\x1f";

/**
 * A lower bound on the nesting depth from yaml's lexer tokens: open indentation levels, plus `-` and `?`
 * indicators on the line, plus open flow brackets. A block sequence may share its parent's indentation, so
 * the real depth can be up to twice the bound; that is still shallow for yaml's parser, which recurses once
 * per block mapping level when a deep document ends (3,000 levels overflow it).
 */
function lexicalNestingProblem(text: string, lineCounter: LineCounter): BlueprintProblem | undefined {
  const indents: number[] = [];
  let offset = 0;
  let flow = 0;
  let lineStart = true;
  let lineIndent = 0;
  let indicators = 0;
  let scalarNext = false;
  for (const token of new Lexer().lex(text)) {
    if (token === DOCUMENT || token === FLOW_END) continue;
    if (token === SCALAR) {
      scalarNext = true;
      continue;
    }
    const at = offset;
    offset += token.length;
    if (scalarNext) {
      // A scalar's source, which may span lines; a block scalar's ends with its last line break.
      scalarNext = false;
      if (token.endsWith("\n")) [lineStart, lineIndent, indicators] = [true, 0, 0];
      continue;
    }
    if (token === "\n" || token === "\r\n") {
      [lineStart, lineIndent, indicators] = [true, 0, 0];
      continue;
    }
    if (/^[ \t]+$/.test(token)) {
      if (lineStart) lineIndent = token.length;
      continue;
    }
    if (token.startsWith("#")) continue;
    if (lineStart && flow === 0) {
      while (indents.length > 0 && indents[indents.length - 1]! >= lineIndent) indents.pop();
      indents.push(lineIndent);
    }
    lineStart = false;
    if (token === "-" || token === "?") indicators++;
    else if (token === "[" || token === "{") flow++;
    else if (token === "]" || token === "}") flow = Math.max(0, flow - 1);
    if (indents.length + indicators + flow > MAX_NESTING_DEPTH) return depthProblem(at, lineCounter);
  }
  return undefined;
}

/** The first list or mapping nested deeper than MAX_NESTING_DEPTH, found with an explicit stack. */
function nestingProblem(text: string, lineCounter: LineCounter): BlueprintProblem | undefined {
  const stack: { token: CST.Token | undefined; depth: number }[] = [];
  for (const token of new Parser().parse(text)) stack.push({ token, depth: 0 });
  for (let next = stack.pop(); next; next = stack.pop()) {
    const { token, depth } = next;
    if (!token) continue;
    if (token.type === "document") {
      stack.push({ token: token.value, depth });
      continue;
    }
    if (token.type !== "block-map" && token.type !== "block-seq" && token.type !== "flow-collection")
      continue;
    if (depth + 1 > MAX_NESTING_DEPTH) return depthProblem(token.offset, lineCounter);
    for (const item of token.items) {
      if ("key" in item) stack.push({ token: item.key ?? undefined, depth: depth + 1 });
      stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}

/**
 * Line starts counted from the text itself. yaml's own LineCounter, fed by its parser, misses a line break
 * the parser swallows while recovering from a syntax error (`[]e` then a newline), and every position
 * after it then points past the end of its line.
 */
function lineCounterOf(text: string): LineCounter {
  const lineCounter = new LineCounter();
  lineCounter.addNewLine(0);
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) lineCounter.addNewLine(i + 1);
  return lineCounter;
}

function syntaxProblem(err: { message: string; pos: [number, number] }, lineCounter: LineCounter) {
  // yaml appends " at line L, column C:" and a source excerpt; the position goes in its own fields.
  const message = `invalid YAML: ${err.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "")}`;
  const pos = lineCounter.linePos(err.pos[0]);
  return { path: "", line: pos.line, column: pos.col, message };
}

/**
 * Blueprint keys are names. yaml turns a key whose value is an object (a mapping, a list, a !!binary
 * scalar) into a string, slowly (it prints the subtree again at every level: 8 s for a 250 KB one) and
 * with a Node process warning in the step's log (yaml `nodes/addPairToJSMap.js`), so such keys are
 * refused before conversion. Aliases are resolved in one pass, in document order.
 */
function collectionKeyProblems(doc: Document, lineCounter: LineCounter): BlueprintProblem[] {
  const problems: BlueprintProblem[] = [];
  const anchored = new Map<string, unknown>();
  visit(doc, {
    Node(_key, node) {
      if (!isAlias(node) && node.anchor) anchored.set(node.anchor, node);
    },
    Pair(_key, pair) {
      const key = isAlias(pair.key) ? anchored.get(pair.key.source) : pair.key;
      const found = isMap(key)
        ? "a mapping"
        : isSeq(key)
          ? "a list"
          : isScalar(key) && typeof key.value === "object" && key.value !== null
            ? `a ${key.tag ?? "tagged"} value`
            : undefined;
      if (found === undefined) return;
      const offset = (pair.key as { range?: number[] } | null)?.range?.[0];
      const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
      problems.push({
        path: "",
        ...(pos ? { line: pos.line, column: pos.col } : {}),
        message: `expected a key that is a name, found ${found} used as a key`,
      });
      return visit.SKIP;
    },
  });
  return problems;
}

function toPlainData(doc: Document, lineCounter: LineCounter, file: string): unknown {
  try {
    return doc.toJS({ maxAliasCount: MAX_ALIAS_EXPANSION });
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    if (message.startsWith("Merge sources"))
      throw new BlueprintError(file, [mergeSourceProblem(doc, lineCounter)]);
    if (message.startsWith("Unresolved alias"))
      throw new BlueprintError(file, [unresolvedAliasProblem(doc, lineCounter)]);
    if (message.startsWith("Excessive alias count")) {
      let offset: number | undefined;
      visit(doc, {
        Alias(_key, node) {
          offset = node.range?.[0];
          return visit.BREAK;
        },
      });
      const pos = offset === undefined ? undefined : lineCounter.linePos(offset);
      throw new BlueprintError(file, [
        {
          path: "",
          ...(pos ? { line: pos.line, column: pos.col } : {}),
          message: `aliases expand to more than ${MAX_ALIAS_EXPANSION} nodes, which looks like an alias bomb: write the values out instead`,
        },
      ]);
    }
    // Anything else yaml parses but cannot turn into data (an !!omap whose aliases repeat a key) is a
    // problem with the file, not a crash.
    throw new BlueprintError(file, [{ path: "", message: `invalid YAML: ${message}` }]);
  }
}

/** An alias whose anchor is missing or comes after it (yaml resolves only earlier anchors). */
function unresolvedAliasProblem(doc: Document, lineCounter: LineCounter): BlueprintProblem {
  let bad: { source: string; offset?: number } | undefined;
  visit(doc, {
    Alias(_key, node) {
      if (node.resolve(doc)) return;
      bad = { source: node.source, offset: node.range?.[0] };
      return visit.BREAK;
    },
  });
  const pos = bad?.offset === undefined ? undefined : lineCounter.linePos(bad.offset);
  const name = bad?.source ?? "?";
  return {
    path: "",
    ...(pos ? { line: pos.line, column: pos.col } : {}),
    message: `expected an anchor &${name} earlier in the file for the alias *${name}, found none`,
  };
}

/**
 * yaml's toJS throws a plain Error for a merge key whose value is not a mapping, an alias of one, or a list
 * of those (yaml `schema/yaml-1.1/merge.js`, e.g. `<<: *name` where `&name` marks a string). Points at
 * the first such `<<` in document order, the one toJS stopped at.
 */
function mergeSourceProblem(doc: Document, lineCounter: LineCounter): BlueprintProblem {
  const describe = (node: unknown): string => {
    if (isAlias(node)) {
      const target = node.resolve(doc);
      return target ? describe(target) : `*${node.source}, which no earlier &${node.source} defines`;
    }
    if (isScalar(node))
      return node.value !== null && typeof node.value === "object"
        ? `a value tagged ${node.tag ?? "?"}`
        : describeFound(node.value);
    return isSeq(node) ? "a list" : describeFound(node ?? null);
  };
  const isMapSource = (node: unknown) => isMap(isAlias(node) ? node.resolve(doc) : node);
  let bad: { offset?: number; found: string } | undefined;
  visit(doc, {
    Pair(_key, pair) {
      const key = pair.key;
      const isMerge =
        isScalar(key) &&
        (key.value === "<<" || (typeof key.value === "symbol" && key.value.description === "<<"));
      if (!isMerge) return;
      const value = isAlias(pair.value) ? (pair.value.resolve(doc) ?? pair.value) : pair.value;
      const sources: unknown[] = isSeq(value) ? value.items : [value];
      const offender = sources.findIndex((s) => !isMapSource(s));
      if (offender < 0) return;
      bad = { offset: key.range?.[0], found: describe(sources[offender]) };
      return visit.BREAK;
    },
  });
  const pos = bad?.offset === undefined ? undefined : lineCounter.linePos(bad.offset);
  return {
    path: "",
    ...(pos ? { line: pos.line, column: pos.col } : {}),
    message: `expected a mapping, an alias of one, or a list of those after the merge key "<<", found ${bad?.found ?? "something else"}`,
  };
}

function sortByPosition(problems: BlueprintProblem[]): BlueprintProblem[] {
  return problems
    .map((p, i) => ({ p, i }))
    .sort((a, b) => (a.p.line ?? 0) - (b.p.line ?? 0) || (a.p.column ?? 0) - (b.p.column ?? 0) || a.i - b.i)
    .map(({ p }) => p);
}
