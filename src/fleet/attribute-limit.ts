/**
 * FM accepts at most 22 local attributes per request (docs/fm-protocol.md#attribute-limits). A collector
 * sends `collector.os`, `collector.version`, `env`, `fake`, `fake.run`, the blueprint's attributes, the run's
 * `github.*` and, for a k8s-monitoring pod, the chart's attributes: a blueprint that adds too many would
 * register nothing, so the roster refuses it before any call, naming the count. `fake.run` is only known at
 * start, so its slot is always counted.
 */
import type { YamlPath } from "../blueprint/yaml-path.js";
import { formatYamlPath } from "../blueprint/yaml-path.js";
import { BlueprintError } from "../core/errors.js";
import { RUN_MARKER_ATTRIBUTE } from "./run-marker.js";
import type { Collector } from "./types.js";

export const MAX_LOCAL_ATTRIBUTES = 22;

/** Where the blueprint's own attributes are declared: the place to point a user at. */
export const BLUEPRINT_ATTRIBUTES_PATH: YamlPath = ["features", "fleet_management", "attributes"];

/** The local attributes a collector sends once started: its own, plus the run marker. */
export function sentAttributeKeys(collector: Collector): string[] {
  const keys = Object.keys(collector.attributes);
  return keys.includes(RUN_MARKER_ATTRIBUTE) ? keys : [...keys, RUN_MARKER_ATTRIBUTE];
}

/**
 * Throws a BlueprintError pointing at the blueprint's `attributes` when any collector would send more than
 * FM accepts; the collector with the most attributes is the one named.
 */
export function checkAttributeLimit(
  collectors: readonly Collector[],
  options: {
    source: string;
    blueprintAttributes: Readonly<Record<string, string>>;
    locate?: (path: YamlPath) => { line: number; column: number } | undefined;
  },
): void {
  let worst: { collector: Collector; keys: string[] } | undefined;
  for (const collector of collectors) {
    const keys = sentAttributeKeys(collector);
    if (keys.length > MAX_LOCAL_ATTRIBUTES && keys.length > (worst?.keys.length ?? 0))
      worst = { collector, keys };
  }
  if (!worst) return;
  const own = Object.keys(options.blueprintAttributes);
  const others = worst.keys.filter((k) => !own.includes(k));
  const excess = worst.keys.length - MAX_LOCAL_ATTRIBUTES;
  const position = options.locate?.(BLUEPRINT_ATTRIBUTES_PATH);
  throw new BlueprintError(options.source, [
    {
      path: formatYamlPath(BLUEPRINT_ATTRIBUTES_PATH),
      ...(position ?? {}),
      message:
        `collector ${worst.collector.id} would send ${worst.keys.length} local attributes ` +
        `(${own.length} from here, plus ${others.join(", ")}): FM accepts at most ${MAX_LOCAL_ATTRIBUTES}, ` +
        `so remove ${excess} of these attributes`,
    },
  ]);
}
