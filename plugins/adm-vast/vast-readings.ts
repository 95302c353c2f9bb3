import { planVastTrackers, type VastTrackerPlan } from './insert-trackers.js';
import { readVast, type VastReading } from './vast-document.js';

/** A VAST markup read once: its reading, and (for a document that is taken) where its trackers go. */
export interface ReadMarkup {
  readonly reading: VastReading;
  /** The tracker plan, made on first use and kept with the reading. */
  plan(): VastTrackerPlan;
}

/**
 * The VAST markups read lately, by their exact text: DSPs send the same creative in bid after bid, and its strict
 * parse (T7) was most of the plugin's cost (one parse per bid, ~100 µs for a 3 KB InLine ad). A markup seen again is
 * not parsed again: its reading and tracker plan are immutable and depend on its text alone (what depends on the
 * imp, the protocols, is checked on every bid). Bounded by entries and by characters held, the oldest read
 * forgotten first.
 */
export class VastReadings {
  private readonly entries = new Map<string, ReadMarkup>();
  private chars = 0;

  constructor(
    private readonly maxEntries = 512,
    private readonly maxChars = 4 * 1024 * 1024,
  ) {}

  /** The reading of `markup`: from an earlier bid with the same text, or parsed now. */
  read(markup: string): ReadMarkup {
    const known = this.entries.get(markup);
    if (known) return known;
    const reading = readVast(markup);
    let plan: VastTrackerPlan | undefined;
    const read: ReadMarkup = {
      reading,
      plan: () => {
        if (!reading.ok) throw new Error('a VAST markup that did not read has no tracker plan');
        return (plan ??= planVastTrackers(reading.doc));
      },
    };
    if (markup.length <= this.maxChars / 4) this.keep(markup, read);
    return read;
  }

  private keep(markup: string, read: ReadMarkup): void {
    this.entries.set(markup, read);
    this.chars += markup.length;
    for (const [oldest] of this.entries) {
      if (this.entries.size <= this.maxEntries && this.chars <= this.maxChars) break;
      this.entries.delete(oldest);
      this.chars -= oldest.length;
    }
  }
}
