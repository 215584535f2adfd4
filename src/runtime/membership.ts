/**
 * Who is in the fleet, and in what condition, as the fleet changes while it runs. Pure bookkeeping: the
 * engine applies each change to the FM controller and the emitter after this says it is allowed.
 *
 *   running ⇄ silenced      (silence / resume: heartbeats stop and start; metrics go on)
 *   running ⇄ crashed       (crash / resume: heartbeats and pushes stop, no goodbye; resume restarts it)
 *   silenced → crashed
 *   any but departed → departed   (leave: unregistered and closed; final)
 */
import type { Collector } from "../fleet/types.js";

export type Life = "running" | "silenced" | "crashed" | "departed";

export interface MemberView {
  readonly collector: Collector;
  readonly life: Life;
}

export interface Membership {
  /** Collectors in the fleet now (departed ones left out), in roster order, joined ones last. */
  present(): Collector[];
  /** Every collector the fleet ever held, with its latest identity: what cleanup must cover. */
  everyone(): Collector[];
  views(): MemberView[];
  /** Adds collectors; returns the new ones (an ID already known is not added twice). */
  add(collectors: readonly Collector[]): Collector[];
  /** Moves a collector to `life`; returns why it cannot, or undefined when done. */
  set(id: string, life: Life): string | undefined;
  /** New identities for present collectors; returns those applied. */
  replace(collectors: readonly Collector[]): Collector[];
}

const ALLOWED: Readonly<Record<Life, readonly Life[]>> = {
  running: ["silenced", "crashed", "departed"],
  silenced: ["running", "crashed", "departed"],
  crashed: ["running", "departed"],
  departed: [],
};

export function createMembership(initial: readonly Collector[]): Membership {
  const members = new Map<string, { collector: Collector; life: Life }>();
  for (const c of initial) members.set(c.id, { collector: c, life: "running" });

  return {
    present: () => [...members.values()].filter((m) => m.life !== "departed").map((m) => m.collector),
    everyone: () => [...members.values()].map((m) => m.collector),
    views: () => [...members.values()].map((m) => ({ collector: m.collector, life: m.life })),
    add(collectors) {
      const added: Collector[] = [];
      for (const c of collectors) {
        if (members.has(c.id)) continue;
        members.set(c.id, { collector: c, life: "running" });
        added.push(c);
      }
      return added;
    },
    set(id, life) {
      const member = members.get(id);
      if (!member) return "is not in the fleet";
      if (member.life === life) return `is already ${life}`;
      if (!ALLOWED[member.life].includes(life))
        return member.life === "departed"
          ? "has left the fleet"
          : `is ${member.life}, so it cannot become ${life}`;
      member.life = life;
      return undefined;
    },
    replace(collectors) {
      const applied: Collector[] = [];
      for (const c of collectors) {
        const member = members.get(c.id);
        if (!member || member.life === "departed") continue;
        member.collector = c;
        applied.push(c);
      }
      return applied;
    },
  };
}
