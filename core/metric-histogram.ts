import type { MetricValueWithName, Registry } from 'prom-client';

/**
 * One labelled series of a {@link SeriesHistogram}: observing is a bucket search and three additions, with no
 * label hashing (prom-client hashes and validates the labels on every `observe`, on the per-auction path).
 */
export class HistogramSeries {
  /** Observations per bucket (not cumulative); the last slot is above the highest bound. */
  private readonly counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    private readonly bounds: readonly number[],
    /** The series' labels, as exposed. */
    readonly labels: Readonly<Record<string, string>>,
  ) {
    this.counts = new Float64Array(bounds.length + 1);
  }

  /** Records one observation. */
  observe(value: number): void {
    let bucket = 0;
    while (bucket < this.bounds.length && value > this.bounds[bucket]!) bucket++;
    this.counts[bucket]! += 1;
    this.sum += value;
    this.count += 1;
  }

  /** The series' samples in prom-client's JSON shape: cumulative `_bucket`s, `+Inf`, `_sum`, `_count`. */
  values(name: string): MetricValueWithName<string>[] {
    const out: MetricValueWithName<string>[] = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += this.counts[i]!;
      out.push({ metricName: `${name}_bucket`, labels: { le: bound, ...this.labels }, value: cumulative });
    });
    out.push({ metricName: `${name}_bucket`, labels: { le: '+Inf', ...this.labels }, value: this.count });
    out.push({ metricName: `${name}_sum`, labels: { ...this.labels }, value: this.sum });
    out.push({ metricName: `${name}_count`, labels: { ...this.labels }, value: this.count });
    return out;
  }

  /** Back to zero. */
  reset(): void {
    this.counts.fill(0);
    this.sum = 0;
    this.count = 0;
  }
}

/**
 * A Prometheus histogram with fixed buckets whose series are objects the caller keeps ({@link series} once,
 * then `observe` on the hot path). It registers in a prom-client {@link Registry} like prom-client's own
 * metrics: same text exposition, same JSON for the cluster's aggregation (summed across workers).
 */
export class SeriesHistogram {
  readonly type = 'histogram' as const;
  readonly aggregator = 'sum' as const;
  private readonly all = new Map<string, HistogramSeries>();

  constructor(
    /** Metric name. */
    readonly name: string,
    /** Help text. */
    readonly help: string,
    private readonly buckets: readonly number[],
    registry: Registry,
  ) {
    registry.registerMetric(this as never);
  }

  /** The series for `labels` (created, at zero, on first use: exported from then on). */
  series(labels: Readonly<Record<string, string>> = {}): HistogramSeries {
    const key = JSON.stringify(labels);
    let series = this.all.get(key);
    if (!series) {
      series = new HistogramSeries(this.buckets, labels);
      this.all.set(key, series);
    }
    return series;
  }

  /** prom-client's metric interface: the exposition data. */
  async get(): Promise<{ name: string; help: string; type: 'histogram'; values: MetricValueWithName<string>[]; aggregator: 'sum' }> {
    const values = [...this.all.values()].flatMap((series) => series.values(this.name));
    return { name: this.name, help: this.help, type: this.type, values, aggregator: this.aggregator };
  }

  /** prom-client's metric interface: every series back to zero. */
  reset(): void {
    for (const series of this.all.values()) series.reset();
  }
}
