/** The action's outputs, as action.yml declares them (a unit test keeps the two the same). */

export interface OutputSpec {
  readonly name: string;
  readonly description: string;
}

export const OUTPUTS: readonly OutputSpec[] = [
  { name: "collector-ids", description: "JSON array of the collector IDs of the fleet." },
  { name: "collector-count", description: "Number of collectors in the fleet." },
  { name: "series-per-tick", description: "Active series the fleet writes every tick." },
  { name: "fm-registered", description: "true when the collectors were registered with Fleet Management." },
  {
    name: "pipelines",
    description:
      "JSON object of collector ID to the pipeline names it received from Fleet Management (set when FM is on).",
  },
  {
    name: "ready-at",
    description: "When the fleet was ready (ISO 8601): the blueprint's scenario offsets count from here.",
  },
];
