/** One benchmark result row. */
export interface Row {
  suite: string;
  name: string;
  /** Median milliseconds per run, when timed. */
  medianMs?: number;
  /** Spans (or records) per second at the median. */
  perSecond?: number;
  /** Ratio to the suite's reference (the floor), when there is one. */
  ratio?: number;
  /** Anything else worth printing: sizes, RSS, targets. */
  note?: string;
  runtime: string;
}

const fmt = (n: number | undefined, digits = 0): string =>
  n === undefined || Number.isNaN(n)
    ? ''
    : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Rows as one Markdown table. */
export function markdownTable(rows: readonly Row[]): string {
  const lines = [
    '| suite | what | runtime | median | per second | ratio | note |',
    '| --- | --- | --- | ---: | ---: | ---: | --- |',
    ...rows.map(
      (r) =>
        `| ${r.suite} | ${r.name} | ${r.runtime} | ${r.medianMs === undefined ? '' : `${fmt(r.medianMs, 1)} ms`} | ${fmt(r.perSecond)} | ${r.ratio === undefined ? '' : `${fmt(r.ratio, 2)}×`} | ${r.note ?? ''} |`,
    ),
  ];
  return lines.join('\n');
}

/** `node 20.20.2` or `node 24.21.0`. */
export function runtimeName(): string {
  return `node ${process.versions.node}`;
}
