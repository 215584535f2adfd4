/**
 * What a collector makes of the configuration content Fleet Management sends it in GetConfig: is it valid
 * Alloy syntax, which pipelines does it hold, and how many components would run.
 *
 * FM wraps every matching pipeline in a custom component, `declare "<pipeline name>" { <contents> }`,
 * instantiated once; its contents read `argument.attributes.value["collector.ID"]`
 * (https://grafana.com/docs/grafana-cloud/send-data/fleet-management/set-up/configuration-pipelines/pipeline-attribute-injection/),
 * and Alloy logs their components under `/remotecfg/<pipeline>.default`. So the pipelines are the labels of
 * the top-level `declare` blocks. A real Alloy parses the whole content
 * as one source and reports any parse error as FAILED with the diagnostics as `line:column: message`
 * (grafana/alloy `internal/service/remotecfg/config_manager.go`, getErrorMessage).
 */
import type { Block, Statement, SyntaxProblem } from "./ast.js";
import { parseAlloy } from "./parser.js";

export type ReceivedConfig =
  | {
      readonly ok: true;
      /**
       * The content was the empty string: FM sends it when no pipeline matches the collector (or the
       * collector is disabled). It is valid and holds nothing, but a real Alloy returns early on it and keeps
       * running what it had (grafana/alloy `config_manager.go`, parseAndLoad). Content of blanks or comments
       * only is not empty: Alloy loads it, and runs nothing.
       */
      readonly empty: boolean;
      /** Labels of the top-level `declare` blocks, in source order (an unlabelled `declare` names none). */
      readonly pipelines: readonly string[];
      /** Component blocks: see countComponents. */
      readonly components: number;
    }
  | {
      readonly ok: false;
      readonly error: SyntaxProblem;
      /** One line for RemoteConfigStatus.errorMessage, as Alloy words it: `3:1: expected }, got EOF`. */
      readonly errorMessage: string;
    };

/** Reads received content. Never throws. */
export function readReceivedConfig(content: string): ReceivedConfig {
  if (content === "") return { ok: true, empty: true, pipelines: [], components: 0 };
  const parsed = parseAlloy(content);
  if (!parsed.ok) {
    const { line, column, message } = parsed.error;
    // Alloy joins all its diagnostics with "; "; the parser stops at the first, so this is Alloy's first.
    return { ok: false, error: parsed.error, errorMessage: `${line}:${column}: ${message}` };
  }
  const body = parsed.file.body;
  const pipelines = body
    .filter((s): s is Block => s.kind === "block" && s.name === "declare" && s.label !== undefined)
    .map((b) => b.label!);
  return { ok: true, empty: false, pipelines, components: countComponents(body) };
}

/**
 * Blocks with a dotted name that are not components but configuration blocks
 * (grafana/alloy `internal/runtime/source.go`, sourceFromBody).
 */
const DOTTED_CONFIG_BLOCKS = new Set(["import.file", "import.string", "import.http", "import.git"]);

/**
 * Counts the component blocks of a body where components live: the top level, `declare` bodies and
 * `foreach` templates, at any depth. A component is a block with a dotted name (`prometheus.scrape`). Blocks
 * inside a component are its settings, not components, even when dotted (`stage.json` in `loki.process`),
 * so the count does not look inside them. An instance of a custom component (`my_pipeline "default"`) has
 * no dot and is not counted.
 */
export function countComponents(body: readonly Statement[]): number {
  let count = 0;
  for (const stmt of body) {
    if (stmt.kind !== "block") continue;
    if (stmt.name === "declare") {
      count += countComponents(stmt.body);
    } else if (stmt.name === "foreach") {
      for (const inner of stmt.body) {
        if (inner.kind === "block" && inner.name === "template") count += countComponents(inner.body);
      }
    } else if (stmt.name.includes(".") && !DOTTED_CONFIG_BLOCKS.has(stmt.name)) {
      count++;
    }
  }
  return count;
}
