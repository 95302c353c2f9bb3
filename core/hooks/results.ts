import type { LossReasonCode } from '../openrtb/loss-reasons.js';

/** The hook changed nothing. */
export interface Noop { readonly action: 'noop' }
/** The hook replaces the stage's value with `value`. */
export interface Update<T> { readonly action: 'update'; readonly value: T }
/** The hook rejects the bid (bail stages only), with an OpenRTB loss reason code. */
export interface Reject { readonly action: 'reject'; readonly code: LossReasonCode; readonly reason: string }

/** What a hook returns. Hooks never mutate shared state; only the core applies results, in config order. */
export type HookResult<T> = Noop | Update<T> | Reject;

const NOOP: Noop = Object.freeze({ action: 'noop' });

/** "I have nothing to change." */
export const noop = (): Noop => NOOP;
/** "Use this value instead." */
export const update = <T>(value: T): Update<T> => ({ action: 'update', value });
/** "Reject this bid with this OpenRTB loss reason." */
export const reject = (code: LossReasonCode, reason: string): Reject => ({ action: 'reject', code, reason });
