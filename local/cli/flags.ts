import { parseArgs } from 'node:util';

/** A command-line flag: its type, default and the values it accepts. */
export interface FlagSpec {
  type: 'int' | 'number' | 'string' | 'boolean';
  default?: number | string | boolean;
  min?: number;
  max?: number;
  /** For strings: the accepted values. */
  oneOf?: readonly string[];
  help: string;
}

export type FlagValues = Record<string, number | string | boolean | undefined>;

/**
 * Parses `argv` against the specs. Throws one error naming every bad flag and what it accepts,
 * as the function's own configuration does for bad environment variables.
 */
export function parseFlags(argv: readonly string[], specs: Record<string, FlagSpec>): FlagValues {
  const { values } = parseArgs({
    args: [...argv],
    options: Object.fromEntries(
      Object.entries(specs).map(([name, spec]) => [
        name,
        { type: spec.type === 'boolean' ? ('boolean' as const) : ('string' as const) },
      ]),
    ),
    strict: true,
    allowPositionals: false,
  });
  const out: FlagValues = {};
  const problems: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    const raw = values[name];
    if (raw === undefined) {
      out[name] = spec.default;
      continue;
    }
    if (spec.type === 'boolean') {
      out[name] = raw === true;
      continue;
    }
    const text = String(raw);
    if (spec.type === 'string') {
      if (spec.oneOf && !spec.oneOf.includes(text))
        problems.push(`--${name} ${text}: expected one of ${spec.oneOf.join(', ')}`);
      out[name] = text;
      continue;
    }
    const value = Number(text);
    const integer = spec.type === 'int';
    const ok =
      text.trim() !== '' &&
      Number.isFinite(value) &&
      (!integer || Number.isInteger(value)) &&
      (spec.min === undefined || value >= spec.min) &&
      (spec.max === undefined || value <= spec.max);
    if (!ok) {
      problems.push(
        `--${name} ${text}: expected ${integer ? 'an integer' : 'a number'} ${spec.min ?? '-∞'}–${spec.max ?? '∞'}`,
      );
    }
    out[name] = value;
  }
  if (problems.length > 0) throw new Error(`Bad flags:\n  ${problems.join('\n  ')}`);
  return out;
}

/** Usage text: one line per flag with its default. */
export function usage(command: string, specs: Record<string, FlagSpec>): string {
  const lines = Object.entries(specs).map(([name, spec]) => {
    const value =
      spec.type === 'boolean' ? '' : ` <${spec.oneOf ? spec.oneOf.join('|') : spec.type}>`;
    const def =
      spec.default === undefined || spec.default === false ? '' : ` (default ${spec.default})`;
    return `  --${`${name}${value}`.padEnd(30)} ${spec.help}${def}`;
  });
  return [`Usage: ${command} [flags]`, ...lines].join('\n');
}
