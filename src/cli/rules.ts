/**
 * `fm-fleet rules`: prints a Prometheus rule group whose alerts keep `collector_id` and carry a `severity`,
 * so Fleet Management can attribute them to a collector (docs/fm-protocol.md#collector-status-and-alerts).
 * No network, no credentials.
 */
import { MAX_DURATION_MS, parseDuration } from "../core/duration.js";
import { InputError } from "../core/errors.js";
import { ALERT_SEVERITIES, DEFAULT_SEVERITY, isAlertSeverity } from "../alerts/alert.js";
import { ruleGroupYaml } from "../alerts/rules.js";
import { parseCommandArgs, type CliCommand } from "./args.js";
import type { CliIo } from "./io.js";

const DEFAULT_FOR = "1m";

export const RULES_HELP = `Usage: fm-fleet rules [--severity critical|warning] [--for <dur>]

Prints a Prometheus rule group (YAML) with two alerts that keep the collector_id label, so Fleet
Management can show them on the collector: AlloyCollectorDown (up == 0) and
AlloyCollectorUnhealthyComponents. Load it with 'mimirtool rules load', or list it under rule_files.

Options:
  --severity <s>  the severity label: critical (FM shows red) or warning (yellow) (default ${DEFAULT_SEVERITY})
  --for <dur>     how long the condition holds before the alert fires; 0s: at once (default ${DEFAULT_FOR})
  -h, --help      show this help`;

export function rulesCommand(argv: string[], io: CliIo): number {
  const { values, positionals } = parseCommandArgs("rules", argv, {
    severity: { type: "string", default: DEFAULT_SEVERITY },
    for: { type: "string", default: DEFAULT_FOR },
  });
  const problems = [];
  if (!isAlertSeverity(values.severity))
    problems.push({
      subject: "--severity",
      message: `expected ${ALERT_SEVERITIES.join(" or ")}, found ${JSON.stringify(values.severity)}`,
    });
  const forMs = parseDuration(values.for);
  if (forMs === undefined || forMs > MAX_DURATION_MS)
    problems.push({
      subject: "--for",
      message: `expected a duration such as 0s, 30s or 5m, found ${JSON.stringify(values.for)}`,
    });
  for (const extra of positionals)
    problems.push({ subject: extra, message: "is not an argument of fm-fleet rules (it takes none)" });
  if (problems.length > 0 || forMs === undefined || !isAlertSeverity(values.severity))
    throw new InputError(problems);
  io.stdout.write(ruleGroupYaml({ severity: values.severity, forMs }));
  return 0;
}

export const rulesCliCommand: CliCommand = {
  name: "rules",
  summary: "print a Prometheus rule group whose alerts FM attributes to a collector",
  usage: RULES_HELP,
  run: rulesCommand,
};
