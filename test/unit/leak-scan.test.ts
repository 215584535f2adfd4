/**
 * The e2e leak scan must be able to fail: it finds each form of a canary wherever it is, and skips only the
 * `::add-mask::` lines of a stream the runner consumes.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { scanForSecrets } from "../helpers/leak-scan.js";

const TOKEN = "CANARYtoken0123456789";
const USER = "314159";
const b64 = (s: string) => Buffer.from(s).toString("base64");

describe("scanForSecrets", () => {
  it("finds the token, base64(token) and base64(user:token) in texts, files and file names", () => {
    const dir = mkdtempSync(join(tmpdir(), "leak-scan-"));
    mkdirSync(join(dir, "nested"));
    writeFileSync(join(dir, "nested", "log.txt"), `ok\nAuthorization: Basic ${b64(`${USER}:${TOKEN}`)}\n`);
    writeFileSync(join(dir, `${b64(TOKEN)}.json`), "{}");
    writeFileSync(join(dir, "clean.txt"), "nothing here");
    const leaks = scanForSecrets({
      texts: { stdout: `a\nb\ntoken=${TOKEN}` },
      dirs: [dir],
      secrets: [TOKEN],
      users: [USER],
    });
    expect(leaks).toEqual(
      expect.arrayContaining([
        { place: "stdout", line: 3, form: "token #1" },
        { place: join(dir, "nested", "log.txt"), line: 2, form: "base64(user #1:token #1)" },
        { place: join(dir, `${b64(TOKEN)}.json`), line: 0, form: "base64(token #1)" },
      ]),
    );
    expect(leaks).toHaveLength(3);
  });

  it("skips ::add-mask:: lines only in a runner log, and only those lines", () => {
    const log = `::add-mask::${TOKEN}\n::add-mask::${b64(`${USER}:${TOKEN}`)}\nfine`;
    expect(scanForSecrets({ runnerLogs: { main: log }, secrets: [TOKEN], users: [USER] })).toEqual([]);
    expect(scanForSecrets({ runnerLogs: { main: `${log}\n::warning::${TOKEN}` }, secrets: [TOKEN] })).toEqual(
      [{ place: "main", line: 4, form: "token #1" }],
    );
    expect(scanForSecrets({ texts: { cli: `::add-mask::${TOKEN}` }, secrets: [TOKEN] })).toHaveLength(1);
  });

  it("reports nothing for a folder that does not exist", () => {
    expect(scanForSecrets({ dirs: [join(tmpdir(), "no-such-leak-scan-dir")], secrets: [TOKEN] })).toEqual([]);
  });
});
