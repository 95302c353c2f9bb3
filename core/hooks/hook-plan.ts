import type { Plugin } from '../plugin/contract.js';
import { STAGE_NAMES, type StageHook, type StageName } from './stages.js';

/** One plugin's hook for one stage, in config order. */
export interface HookEntry<S extends StageName> {
  readonly plugin: string;
  readonly hook: StageHook<S>;
  /** When set, the hook runs only for these bidders. */
  readonly bidders?: ReadonlySet<string>;
}

/** Every stage's hooks, in the order they run. */
export type StagePlan = { readonly [S in StageName]: readonly HookEntry<S>[] };

/** A resolved plugin with its name and bidder restriction. */
export interface PlannedPlugin {
  readonly name: string;
  readonly instance: Plugin;
  readonly bidders?: readonly string[];
}

/** Builds the stage plan from resolved plugins, keeping their order: a plugin takes part in a stage when it has a method of that name. */
export function planStages(plugins: readonly PlannedPlugin[]): StagePlan {
  const plan = Object.fromEntries(STAGE_NAMES.map((stage) => [stage, [] as HookEntry<StageName>[]])) as Record<StageName, HookEntry<StageName>[]>;
  for (const { name, instance, bidders } of plugins) {
    for (const stage of STAGE_NAMES) {
      const method = instance[stage];
      if (typeof method !== 'function') continue;
      plan[stage].push({ plugin: name, hook: method.bind(instance) as StageHook<StageName>, bidders: bidders && new Set(bidders) });
    }
  }
  return plan as unknown as StagePlan;
}

/** The plan one bidder runs: entries restricted to other bidders are left out. Computed once per bidder at start-up. */
export function planForBidder(plan: StagePlan, bidder: string): StagePlan {
  const entries = (stage: StageName) => plan[stage] as readonly HookEntry<StageName>[];
  const keep = (stage: StageName) => entries(stage).filter((entry) => !entry.bidders || entry.bidders.has(bidder));
  return Object.fromEntries(STAGE_NAMES.map((stage) => [stage, keep(stage)])) as unknown as StagePlan;
}
