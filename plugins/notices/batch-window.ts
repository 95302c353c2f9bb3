/**
 * Gathers items and hands them over together, at most `windowMs` after the first item of a batch: one timer per
 * batch, not one per item. The notices plugin gathers auction events in one, so that an intake batch costs one
 * journal write, one burst of log lines (pino's asynchronous destination writes a burst at once) and one hand-over
 * to the queue, however many auctions it holds.
 */
export class BatchWindow<T> {
  private items: T[] = [];
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly windowMs: number,
    /** Receives each batch, in order, never empty. */
    private readonly take: (items: T[]) => void,
  ) {}

  /** Adds an item to the current batch (opening the window when it is the first). */
  add(item: T): void {
    this.items.push(item);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** Hands over the current batch now (shutdown), if any. */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.items.length === 0) return;
    const items = this.items;
    this.items = [];
    this.take(items);
  }

  /** Items waiting in the current batch. */
  get size(): number {
    return this.items.length;
  }
}
