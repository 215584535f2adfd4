// Builds one self-contained bundle per entry with @vercel/ncc, so the runner needs no node_modules.
// Type checking is its own CI step (npm run typecheck), so ncc only transpiles (--transpile-only).
// dist/ is committed; .ci/run rebuilds and fails if the result differs from what is committed.
import { execFileSync } from "node:child_process";
import { existsSync, rmSync, renameSync } from "node:fs";
import { join } from "node:path";

// One bundle per entry of src/bin/ (each calls its step's run() at load); src/main.ts and src/post.ts only
// export run(), so importing them (tests, @github/local-action) runs nothing.
const entries = ["cli", "main", "post", "daemon"];
const nccBin = join("node_modules", "@vercel", "ncc", "dist", "ncc", "cli.js");

for (const entry of entries) {
  const src = join("src", "bin", `${entry}.ts`);
  if (!existsSync(src)) continue;
  const out = join("dist", entry);
  rmSync(out, { recursive: true, force: true });
  execFileSync(
    process.execPath,
    [
      nccBin,
      "build",
      src,
      "-o",
      out,
      "--no-source-map-register",
      "--transpile-only",
      "--license",
      "licenses.txt",
      "-q",
    ],
    {
      stdio: "inherit",
    },
  );
  // ncc names an ESM bundle index.mjs in some versions; the action and bin refer to index.js.
  if (existsSync(join(out, "index.mjs"))) renameSync(join(out, "index.mjs"), join(out, "index.js"));
}
