import { readFileSync } from 'node:fs';

/** A Kafka topic name: what the broker accepts (1-249 of a-z A-Z 0-9 . _ -). */
export const TOPIC_NAME = /^[a-zA-Z0-9._-]{1,249}$/;
/** One bootstrap broker address. */
export const BROKER = /^[^\s:,]+:\d{1,5}$/;

/** The environment as Lambda gives it: names to strings, unset ones absent. */
export type Env = Record<string, string | undefined>;

/**
 * Reads environment variables one at a time, recording a problem that names the variable and
 * what it accepts instead of throwing at the first, so a bad deployment learns every fix at once.
 */
export class EnvReader {
  constructor(
    private readonly env: Env,
    /** Every problem found so far, in the order the variables were read. */
    readonly problems: string[] = [],
  ) {}

  problem(message: string): void {
    this.problems.push(message);
  }

  /** The trimmed value, or undefined when unset or blank. */
  optional(name: string): string | undefined {
    const value = this.env[name]?.trim();
    return value ? value : undefined;
  }

  string(name: string, fallback: string): string {
    return this.optional(name) ?? fallback;
  }

  matching(name: string, fallback: string, pattern: RegExp, accepted: string): string {
    const value = this.string(name, fallback);
    if (!pattern.test(value)) this.problem(`${name}="${value}" is not accepted: use ${accepted}`);
    return value;
  }

  list(name: string, item: RegExp, accepted: string): string[] {
    const value = this.optional(name);
    if (value === undefined) {
      this.problem(`${name} is required: ${accepted}`);
      return [];
    }
    const items = value.split(',').map((part) => part.trim());
    const bad = items.filter((part) => !item.test(part));
    if (bad.length > 0) this.problem(`${name}="${value}" is not accepted: use ${accepted}`);
    return items;
  }

  oneOf<T extends string>(name: string, fallback: T, accepted: readonly T[]): T {
    const value = (this.optional(name) ?? fallback).toLowerCase();
    if ((accepted as readonly string[]).includes(value)) return value as T;
    this.problem(`${name}="${this.env[name]}" is not accepted: use one of ${accepted.join(', ')}`);
    return fallback;
  }

  bool(name: string, fallback: boolean): boolean {
    const value = this.optional(name)?.toLowerCase();
    if (value === undefined) return fallback;
    if (value === 'true') return true;
    if (value === 'false') return false;
    this.problem(`${name}="${this.env[name]}" is not accepted: use true or false`);
    return fallback;
  }

  int(name: string, fallback: number, min: number, max: number): number {
    const value = this.optional(name);
    if (value === undefined) return fallback;
    const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
    if (Number.isSafeInteger(parsed) && parsed >= min && parsed <= max) return parsed;
    this.problem(`${name}="${value}" is not accepted: use a whole number from ${min} to ${max}`);
    return fallback;
  }

  file(name: string, path: string): string {
    try {
      return readFileSync(path, 'utf8');
    } catch (error) {
      this.problem(`${name}="${path}" cannot be read: ${(error as Error).message}`);
      return '';
    }
  }
}
