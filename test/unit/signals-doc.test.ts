import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { format, resolveConfig } from "prettier";
import { describe, expect, it } from "vitest";
import { CATALOG, NEVER_EMITTED } from "../../src/signals/catalog.js";
import { SIGNALS_DOC_COMMAND, renderSignalsDoc } from "../../src/signals/doc.js";

const DOC_PATH = fileURLToPath(new URL("../../docs/signals.md", import.meta.url));

describe("docs/signals.md", () => {
  const rendered = renderSignalsDoc();

  it("is what the catalog renders", () => {
    const committed = readFileSync(DOC_PATH, "utf8");
    expect(committed === rendered, `docs/signals.md is stale: run \`${SIGNALS_DOC_COMMAND}\``).toBe(true);
  });

  it("is already formatted as Prettier formats it", async () => {
    const options = await resolveConfig(DOC_PATH);
    expect(await format(rendered, { ...options, filepath: DOC_PATH })).toBe(rendered);
  });

  it("documents every family with its type and HELP, and what is never emitted", () => {
    for (const family of CATALOG) {
      expect(rendered).toContain(`### \`${family.name}\`\n\n- Type: ${family.type};`);
      expect(rendered).toContain(`- HELP: \`${family.help}\``);
    }
    for (const { prefix } of NEVER_EMITTED) expect(rendered).toContain(`- \`${prefix}*\`: `);
  });
});
