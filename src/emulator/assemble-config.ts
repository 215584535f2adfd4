/**
 * What a collector receives from GetConfig: its matching pipelines, each wrapped as a custom component and
 * instantiated once, in one Alloy module. The only place the emulator writes the wrapper.
 *
 * Real FM's exact text is not published. Its shape follows what is: Alloy loads the content as one module
 * with no arguments (grafana/alloy `internal/service/remotecfg`); logs of FM-managed Alloys show component
 * paths `/remotecfg/<pipeline>.default/...`, so each pipeline is declared and instantiated as
 * `<pipeline> "default"`; pipelines read `argument.attributes.value["collector.ID"]` and
 * `argument.pipeline_exports.value[...]` (grafana.com fleet-management docs, attribute and export injection).
 * A client tells the pipelines it received from the top-level `declare` labels.
 */

export interface AssembledPipeline {
  readonly name: string;
  readonly contents: string;
}

export interface AssembledCollector {
  readonly id: string;
  /** The attributes FM matched on, `collector.ID` included; injected as `argument.attributes`. */
  readonly attributes: Readonly<Record<string, string>>;
}

/**
 * The content for one collector: "" when no pipeline matched, as FM sends when nothing matches or the
 * collector is disabled (grafana/fleet-management-api `collector.proto`, `enabled`). Pipelines appear in
 * name order.
 */
export function assembleConfig(
  pipelines: readonly AssembledPipeline[],
  collector: AssembledCollector,
): string {
  if (pipelines.length === 0) return "";
  const sorted = [...pipelines].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const attributes = Object.keys(collector.attributes)
    .sort()
    .map((key) => `    ${alloyString(key)} = ${alloyString(collector.attributes[key]!)},`);
  return sorted
    .map((p) => {
      const name = componentName(p.name);
      const body = p.contents.replace(/\s+$/, "");
      return [
        `declare ${alloyString(name)} {`,
        `  argument "attributes" {`,
        `    optional = true`,
        `  }`,
        `  argument "pipeline_exports" {`,
        `    optional = true`,
        `  }`,
        ``,
        body,
        `}`,
        ``,
        `${name} "default" {`,
        `  attributes = {`,
        ...attributes,
        `  }`,
        `}`,
        ``,
      ].join("\n");
    })
    .join("\n");
}

/**
 * The custom component name for a pipeline name. A `declare` label must be an Alloy identifier
 * (grafana/alloy `syntax/scanner` IsValidIdentifier); whether FM rejects or rewrites other names is not
 * published, and FM accepts names such as `my-pipeline` (grafana/fleet-management-sync-action README), so
 * the emulator rewrites each other character to `_`.
 */
export function componentName(pipelineName: string): string {
  const name = pipelineName.replace(/[^A-Za-z0-9_]/g, "_");
  return /^[0-9]/.test(name) || name === "" ? `_${name}` : name;
}

/** A double-quoted Alloy string literal (Go-style escapes). */
function alloyString(s: string): string {
  let out = '"';
  for (const c of s) {
    const code = c.codePointAt(0)!;
    if (c === '"' || c === "\\") out += `\\${c}`;
    else if (c === "\n") out += "\\n";
    else if (c === "\r") out += "\\r";
    else if (c === "\t") out += "\\t";
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, "0")}`;
    else out += c;
  }
  return `${out}"`;
}
