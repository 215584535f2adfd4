/** Writes docs/signals.md from the signal catalog. Run: npx tsx scripts/gen-signals-doc.ts */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { renderSignalsDoc } from "../src/signals/doc.js";

const target = fileURLToPath(new URL("../docs/signals.md", import.meta.url));
writeFileSync(target, renderSignalsDoc());
console.log(`wrote ${target}`);
