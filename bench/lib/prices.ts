import { readFileSync } from 'node:fs';

/**
 * The public prices the cost suite multiplies its measurements by: US East (N. Virginia),
 * on-demand, without free tier or discounts. Each names its page and when it was read; any can
 * be replaced with `npm run bench -- --prices <file.json>` (an object with some of these keys).
 * BENCHMARKS.md prints the same table with its date.
 */
export const PRICES = {
  /**
   * Lambda duration, Arm (Graviton), first 7.5 billion GB-seconds a month: $0.0000133334 per
   * GB-second (aws.amazon.com/lambda/pricing). INIT is billed at the same rate since 1 August
   * 2025 (the INIT phase billing change announced by AWS in 2025).
   */
  lambdaArmGbSecond: 0.0000133334,
  /** Lambda requests: $0.20 per million (aws.amazon.com/lambda/pricing), one per invocation. */
  lambdaRequestsPerMillion: 0.2,
  /** MSK Express brokers, data written: $0.01 per GB (aws.amazon.com/msk/pricing). */
  mskExpressWrittenPerGb: 0.01,
  /** MSK Serverless, data in: $0.10 per GiB (aws.amazon.com/msk/pricing). */
  mskServerlessInPerGib: 0.1,
  /**
   * MSK Standard brokers charge nothing per byte written, but a producer in another AZ than the
   * partition's leader pays inter-AZ data transfer: $0.01 per GB out of one AZ and $0.01 per GB
   * into the other (aws.amazon.com/ec2/pricing/on-demand, "Data Transfer within the same AWS
   * Region"). MSK does not charge for replication between brokers.
   */
  crossAzPerGbEachWay: 0.01,
} as const;

/** When the figures above were read from the pages they name. */
export const PRICES_DATE = '2026-12-01';

export type Prices = { -readonly [K in keyof typeof PRICES]: number };

/** The prices, with those of `file` (a JSON object of some of the keys) replacing the defaults. */
export function loadPrices(file: string | undefined): Prices {
  if (file === undefined) return { ...PRICES };
  const given = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  const problems = Object.entries(given)
    .filter(([key, value]) => !(key in PRICES) || typeof value !== 'number' || value < 0)
    .map(([key]) => key);
  if (problems.length > 0) {
    throw new Error(
      `--prices ${file}: not accepted: ${problems.join(', ')} (known: ${Object.keys(PRICES).join(', ')}; non-negative numbers)`,
    );
  }
  return { ...PRICES, ...(given as Partial<Prices>) };
}
