// Prints one plain closing line, "tests: N passed, N failed, N skipped", summed over vitest JSON reports,
// so a CI log says in one line what ran (vitest's own summary is per run and coloured).
import { readFileSync } from "node:fs";

let passed = 0;
let failed = 0;
let skipped = 0;
for (const file of process.argv.slice(2)) {
  const report = JSON.parse(readFileSync(file, "utf8"));
  passed += report.numPassedTests;
  failed += report.numFailedTests;
  skipped += report.numPendingTests + report.numTodoTests;
}
console.log(`tests: ${passed} passed, ${failed} failed, ${skipped} skipped`);
if (passed === 0) {
  console.error("no test ran");
  process.exit(1);
}
