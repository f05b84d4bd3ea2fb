/** A small Prometheus text-format registry: counters, gauges and histograms with labels. */

type Labels = Readonly<Record<string, string>>;

/** A label value as the text format writes it; most have nothing to escape, and are counted on every request. */
function escapedLabel(value: string): string {
  return LABEL_SPECIALS.test(value) ? value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n") : value;
}

const LABEL_SPECIALS = /[\\"\n]/;

function labelKey(labels: Labels | undefined): string {
  if (labels === undefined) return "";
  const keys = Object.keys(labels);
  if (keys.length === 0) return "";
  return keys
    .sort()
    .map((k) => `${k}="${escapedLabel(String(labels[k]))}"`)
    .join(",");
}

function sample(name: string, key: string, value: number, extra = ""): string {
  const labels = [key, extra].filter((s) => s !== "").join(",");
  return `${name}${labels === "" ? "" : `{${labels}}`} ${Number.isFinite(value) ? value : value > 0 ? "+Inf" : "-Inf"}`;
}

interface Metric {
  render(): string;
}

/** A counter either counted here or, with `collect`, read at scrape time from a count kept elsewhere. */
export class Counter implements Metric {
  readonly #values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly collect?: () => Iterable<[Labels | undefined, number]>) {}

  inc(labels?: Labels, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  get(labels?: Labels): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    const values = this.collect ? new Map([...this.collect()].map(([l, v]) => [labelKey(l), v])) : this.#values;
    for (const [key, value] of values) lines.push(sample(this.name, key, value));
    return lines.join("\n");
  }
}

/** A gauge either set directly or read from `collect` at scrape time. */
export class Gauge implements Metric {
  readonly #values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string, readonly collect?: () => Iterable<[Labels | undefined, number]>) {}

  set(value: number, labels?: Labels): void {
    this.#values.set(labelKey(labels), value);
  }

  inc(labels?: Labels, by = 1): void {
    const key = labelKey(labels);
    this.#values.set(key, (this.#values.get(key) ?? 0) + by);
  }

  dec(labels?: Labels, by = 1): void {
    this.inc(labels, -by);
  }

  get(labels?: Labels): number {
    return this.#values.get(labelKey(labels)) ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} gauge`];
    const values = this.collect ? new Map([...this.collect()].map(([l, v]) => [labelKey(l), v])) : this.#values;
    for (const [key, value] of values) lines.push(sample(this.name, key, value));
    return lines.join("\n");
  }
}

interface HistogramSeries {
  counts: number[];
  sum: number;
  count: number;
}

export class Histogram implements Metric {
  readonly #series = new Map<string, HistogramSeries>();
  constructor(readonly name: string, readonly help: string, readonly buckets: readonly number[]) {}

  observe(value: number, labels?: Labels): void {
    const key = labelKey(labels);
    let series = this.#series.get(key);
    if (!series) this.#series.set(key, (series = { counts: new Array<number>(this.buckets.length).fill(0), sum: 0, count: 0 }));
    for (let i = 0; i < this.buckets.length; i++) if (value <= this.buckets[i]!) series.counts[i]!++;
    series.sum += value;
    series.count++;
  }

  count(labels?: Labels): number {
    return this.#series.get(labelKey(labels))?.count ?? 0;
  }

  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [key, series] of this.#series) {
      this.buckets.forEach((le, i) => lines.push(sample(`${this.name}_bucket`, key, series.counts[i]!, `le="${le}"`)));
      lines.push(sample(`${this.name}_bucket`, key, series.count, `le="+Inf"`));
      lines.push(sample(`${this.name}_sum`, key, series.sum));
      lines.push(sample(`${this.name}_count`, key, series.count));
    }
    return lines.join("\n");
  }
}

export class MetricsRegistry {
  readonly #metrics: Metric[] = [];

  counter(name: string, help: string, collect?: () => Iterable<[Labels | undefined, number]>): Counter {
    return this.#add(new Counter(name, help, collect));
  }

  gauge(name: string, help: string, collect?: () => Iterable<[Labels | undefined, number]>): Gauge {
    return this.#add(new Gauge(name, help, collect));
  }

  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.#add(new Histogram(name, help, buckets));
  }

  /** The Prometheus text exposition format (version 0.0.4). */
  render(): string {
    return `${this.#metrics.map((m) => m.render()).join("\n")}\n`;
  }

  #add<M extends Metric>(metric: M): M {
    this.#metrics.push(metric);
    return metric;
  }
}

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
