/**
 * The leak scan the e2e suites share (README.md#what-happens-when: tokens never logged, never in files other
 * than the 0600 secrets file post deletes). It looks for each canary token as itself, as base64(token), and
 * as base64(user:token), the Basic-auth credential our requests carry, for every user it is told about.
 *
 * The forms are computed here rather than taken from src/core/secrets.ts: a scan that asks the code under
 * test what to look for would miss the very forms that code forgets.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";

export interface LeakScanInput {
  /** Outputs shown as they are: CLI streams, the job summary, anything a user reads verbatim. */
  readonly texts?: Readonly<Record<string, string>>;
  /**
   * A step's stdout as the runner reads it: the runner consumes `::add-mask::` lines (they never reach the
   * job log), so those lines alone are skipped. Everything else in the stream counts.
   */
  readonly runnerLogs?: Readonly<Record<string, string>>;
  /** Folders scanned recursively: every file's content, and every file's name. */
  readonly dirs?: readonly string[];
  readonly secrets: readonly string[];
  /** Basic-auth users the secrets are paired with (stack ID, Mimir user). */
  readonly users?: readonly string[];
}

export interface Leak {
  /** The stream's name, or the file's path. */
  readonly place: string;
  /** 1-based; 0 for a file name. */
  readonly line: number;
  /** Which form was found, without the secret itself: `token #1`, `base64(user #2:token #1)`. */
  readonly form: string;
}

interface Form {
  readonly value: string;
  readonly label: string;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");

export function canaryForms(secrets: readonly string[], users: readonly string[] = []): Form[] {
  const forms: Form[] = [];
  secrets.forEach((secret, s) => {
    const token = `token #${s + 1}`;
    forms.push({ value: secret, label: token }, { value: b64(secret), label: `base64(${token})` });
    users.forEach((user, u) =>
      forms.push({ value: b64(`${user}:${secret}`), label: `base64(user #${u + 1}:${token})` }),
    );
  });
  return forms;
}

/** Regular files under `dir`, recursively; none when it does not exist. */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => join(dir, f))
    .filter((f) => statSync(f).isFile());
}

const ADD_MASK = "::add-mask::";

/** Every place a canary form occurs; empty when nothing leaked. */
export function scanForSecrets(input: LeakScanInput): Leak[] {
  const forms = canaryForms(input.secrets, input.users);
  const leaks: Leak[] = [];
  const scanText = (place: string, text: string, skipMaskLines: boolean) => {
    text.split("\n").forEach((line, i) => {
      if (skipMaskLines && line.startsWith(ADD_MASK)) return;
      for (const form of forms)
        if (line.includes(form.value)) leaks.push({ place, line: i + 1, form: form.label });
    });
  };
  for (const [place, text] of Object.entries(input.texts ?? {})) scanText(place, text, false);
  for (const [place, text] of Object.entries(input.runnerLogs ?? {})) scanText(place, text, true);
  for (const dir of input.dirs ?? []) {
    for (const file of filesUnder(dir)) {
      for (const form of forms)
        if (file.includes(form.value)) leaks.push({ place: file, line: 0, form: form.label });
      // latin1 maps every byte to one char, so a binary file cannot hide an ASCII token behind bad UTF-8.
      scanText(file, readFileSync(file, "latin1"), false);
    }
  }
  return leaks;
}
