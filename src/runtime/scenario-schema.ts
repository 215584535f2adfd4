/**
 * A scenario action and a timeline step as they cross a process boundary (the handoff to the background
 * process, a live event request), checked again on arrival. The blueprint's own validation, with YAML paths
 * and lines, is in blueprint/; this is the shape after it.
 */
import { z } from "zod";
import { MAX_JOIN_PER_OS, SCENARIO_EVENTS, SEVERITIES, UPGRADE_VERSION_RE } from "../blueprint/events.js";
import type { ScenarioAction } from "../blueprint/types.js";

const perOs = (max: number) =>
  z.object({
    linux: z.number().int().min(0).max(max),
    windows: z.number().int().min(0).max(max),
    darwin: z.number().int().min(0).max(max),
  });

export const scenarioActionSchema = z.object({
  event: z.enum(SCENARIO_EVENTS),
  select: z.object({
    os: z.enum(["linux", "windows", "darwin"]).optional(),
    env: z.string().min(1).optional(),
    kind: z.enum(["standalone", "k8s"]).optional(),
    ids: z.array(z.string().min(1)).min(1).optional(),
    count: z.number().int().positive().optional(),
  }),
  severity: z.enum(SEVERITIES).optional(),
  message: z.string().min(1).max(1000).optional(),
  add: perOs(MAX_JOIN_PER_OS).optional(),
  version: z.string().regex(UPGRADE_VERSION_RE).optional(),
}) satisfies z.ZodType<ScenarioAction>;

export const scenarioStepSchema = scenarioActionSchema.extend({ atMs: z.number().nonnegative() });
