/**
 * Blueprints shaped like the schema (README.md#blueprints) with values at and around its limits, for the fuzz
 * tests (issue 7 item 3): mostly valid, so the roster invariants of README.md#blueprints get exercised, with
 * near misses that must be errors.
 */
import fc from "fast-check";
import { applyMutation } from "./yaml-mutations.js";
import { emit, fromData } from "./yaml-tree.js";

/** Usually `valid`, now and then one of the near misses, so most documents still pass as a whole. */
const rarely = <T>(valid: fc.Arbitrary<T>, ...nearMisses: T[]) =>
  fc.oneof({ weight: 20, arbitrary: valid }, { weight: 1, arbitrary: fc.constantFrom(...nearMisses) });

/** Mostly small counts and node numbers, sometimes the limits (valid ones, as in `rarely`). */
const count = (max: number, limits: readonly number[]) =>
  fc.oneof(
    { weight: 12, arbitrary: fc.nat(Math.min(max, 12)) },
    { weight: 1, arbitrary: fc.constantFrom(...limits) },
  );

const optional = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined, freq: 3 });

const perOs = fc.record(
  {
    linux: rarely(count(10_000, [99, 100, 1000, 9999, 10_000]), 10_001, -1, 1.5),
    windows: count(10_000, [100, 10_000]),
    darwin: count(10_000, [100, 10_000]),
  },
  { requiredKeys: [] },
);

/** At most the count of each OS, now and then one more. */
const unhealthyFor = (counts: Partial<Record<string, number>>) =>
  fc.record(
    Object.fromEntries(
      Object.entries(counts).map(([os, n]) => [
        os,
        rarely(fc.nat(Math.max(0, Math.floor(n ?? 0))), (n ?? 0) + 1),
      ]),
    ),
    { requiredKeys: [] },
  );

const k8sMonitoring = fc
  .record(
    {
      enabled: fc.boolean(),
      chart_version: rarely(fc.constantFrom("3.8.12", "3.0.0-rc.1"), "3.8"),
      alloy_version: rarely(fc.constantFrom("1.18.0", "v1.18.0", "v2.0.0-rc.3"), "latest"),
      metrics_replicas: rarely(count(100, [1, 100]), 0, 101),
      receiver_as_daemonset: fc.boolean(),
      features: fc.record(
        {
          cluster_metrics: fc.boolean(),
          cluster_events: fc.boolean(),
          pod_logs: fc.boolean(),
          node_logs: fc.boolean(),
          profiling: fc.boolean(),
          application_observability: fc.boolean(),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: ["enabled"] },
  )
  // fleet_management: true needs enabled: true; ask for the mismatch only now and then.
  .chain((k8s) =>
    rarely(fc.constant(k8s.enabled), !k8s.enabled).map((fleet_management) => ({ ...k8s, fleet_management })),
  );

const cluster = fc.record(
  {
    name: rarely(
      fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9.-]{0,20}$/), fc.stringMatching(/^[a-z0-9]{1,8}-\{env\}$/)),
      "{env}",
      "a".repeat(90),
      "x.{env}.{env}",
      "Upper",
    ),
    nodes: rarely(count(1000, [100, 1000]), 1001),
    windows_nodes: count(1000, [50, 1000]),
    k8s_monitoring: k8sMonitoring,
  },
  { requiredKeys: ["name"] },
);

const envName = rarely(
  fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,29}$/), fc.constantFrom("ci", "a".repeat(30))),
  "a".repeat(31),
  "Prod",
  "pr_1",
);

const attributes = fc.dictionary(
  rarely(fc.stringMatching(/^[a-z][a-z0-9_.]{0,10}$/), "collector.os", "x".repeat(101)),
  rarely(fc.string({ maxLength: 20 }), "v".repeat(151)),
  { maxKeys: 3 },
);

const fleetManagementRest = fc.record(
  {
    enabled: fc.boolean(),
    collector_version: rarely(fc.constantFrom("v1.18.1", "v1.19.0-rc.3"), "1.18.1", "v1.18"),
    attributes,
  },
  { requiredKeys: [] },
);

// Arbitraries built inside chain() are rebuilt for every case: keep the costly ones (stringMatching) outside.
const fleetManagement = fc
  .tuple(perOs, fleetManagementRest, fc.boolean())
  .chain(([collectors_per_os, rest, withUnhealthy]) =>
    (withUnhealthy ? unhealthyFor(collectors_per_os) : fc.constant(undefined)).map((unhealthy_per_os) => ({
      ...rest,
      collectors_per_os,
      ...(unhealthy_per_os ? { unhealthy_per_os } : {}),
    })),
  );

/** The schema's keys with values from the arbitraries above, each container in block or flow style. */
export const schemaShaped: fc.Arbitrary<string> = fc
  .record(
    {
      name: rarely(
        fc.oneof(fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,39}$/), fc.constant("a".repeat(40))),
        "a".repeat(41),
        "-x",
        "X",
      ),
      environments: fc.array(
        fc.record({ name: envName, cluster: optional(cluster) }, { requiredKeys: ["name"] }),
        { minLength: 1, maxLength: 4 },
      ),
      features: fc.record({ fleet_management: fleetManagement }),
    },
    { requiredKeys: ["name"] },
  )
  .chain((data) =>
    fc
      .array(fc.record({ op: fc.constant("restyle" as const), at: fc.nat() }), { maxLength: 4 })
      .map((restyles) => {
        const tree = fromData(data);
        for (const m of restyles) applyMutation(tree, m);
        return emit(tree);
      }),
  );
