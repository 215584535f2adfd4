/**
 * What each collector made of the configuration content FM sent it, as a real Alloy would
 * (docs/fm-protocol.md#pipelines, grafana/alloy `internal/service/remotecfg/config_manager.go`):
 *
 * - content that parses is APPLIED; its pipelines are its top-level `declare` labels and the components
 *   it runs are its component blocks (alloy-syntax/received.ts);
 * - content that does not parse is FAILED with the parser's `line:column: message`; Alloy keeps running
 *   the configuration it had, so the running components stay as they were;
 * - empty content (no pipeline matches the collector) holds no pipeline and is APPLIED: Alloy returns early
 *   on it and reports success without loading anything (parseAndLoad), so the components it ran stay too.
 *
 * The controller calls `receive` once per new content; this keeps the result for the engine's readers
 * (the status file, the job summary, `fm-fleet pipelines`).
 */
import { readReceivedConfig } from "../alloy-syntax/received.js";
import type { ReceivedPipelines } from "../fleet/pipeline-check.js";
import type { RemoteConfigStatus } from "./client.js";

export interface ReceiveOutcome {
  /** What the next GetConfig reports. */
  readonly status: RemoteConfigStatus;
  /** The component blocks the collector runs changed: its running_components must follow. */
  readonly componentsChanged: boolean;
}

export interface ReceivedConfigs {
  /** Reads content a collector received (for the first time). */
  receive(id: string, content: string): ReceiveOutcome;
  /** What `id` received last; undefined before its first GetConfig was answered. */
  of(id: string): ReceivedPipelines | undefined;
  /** Component blocks of the configuration `id` runs: 0 until content that parses arrives. */
  components(id: string): number;
  /** Every collector that has received something, by ID, in the order they first did. */
  all(): Record<string, ReceivedPipelines>;
}

export function createReceivedConfigs(): ReceivedConfigs {
  const received = new Map<string, ReceivedPipelines>();
  const running = new Map<string, number>();

  return {
    receive(id, content) {
      const read = readReceivedConfig(content);
      const before = running.get(id) ?? 0;
      if (!read.ok) {
        received.set(id, { pipelines: [], status: "FAILED", error: read.errorMessage });
        return {
          status: { status: "RemoteConfigStatuses_FAILED", errorMessage: read.errorMessage },
          componentsChanged: false,
        };
      }
      received.set(id, { pipelines: read.pipelines, status: "APPLIED" });
      if (!read.empty) running.set(id, read.components);
      return {
        status: { status: "RemoteConfigStatuses_APPLIED" },
        componentsChanged: !read.empty && read.components !== before,
      };
    },
    of: (id) => received.get(id),
    components: (id) => running.get(id) ?? 0,
    all: () => Object.fromEntries(received),
  };
}
