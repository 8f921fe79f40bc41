import { type ITag, Tag } from '../../proto/haystack.generated.js';
import { otlp } from '../../proto/otlp-trace.generated.js';
import { fromLong, type Long, toLong } from './int64.js';

/**
 * What the spans of one OTLP resource and scope share (service name, resource and scope tags),
 * and the typed-tag and JSON rules for attribute values, as docs/otlp-mapping.md describes.
 * The spans themselves are transcoded on the wire (otlp-transcode.ts).
 */

/** What every span of one `ResourceSpans` / `ScopeSpans` shares. */
export interface OtlpScope {
  /** Resource attribute `service.name`, else OpenTelemetry's own default `unknown_service`. */
  serviceName: string;
  /** Resource attributes but `service.name`, then `otel.scope.name` / `otel.scope.version`. */
  tags: ITag[];
}

/** OpenTelemetry's name for a service that did not set one (SDK specification, resource defaults). */
export const UNKNOWN_SERVICE = 'unknown_service';
const SERVICE_NAME = 'service.name';

/** The tags shared by the spans of one resource and scope. */
export function otlpScope(
  resource: otlp.IResource | null | undefined,
  scope: otlp.IInstrumentationScope | null | undefined,
): OtlpScope {
  let serviceName = UNKNOWN_SERVICE;
  const tags: ITag[] = [];
  for (const attribute of resource?.attributes ?? []) {
    const key = attribute.key ?? '';
    if (key === SERVICE_NAME) {
      const name = anyValueText(attribute.value);
      if (name !== '') serviceName = name;
    } else {
      tags.push(typedTag(key, attribute.value));
    }
  }
  if (scope?.name) tags.push({ key: 'otel.scope.name', vStr: scope.name });
  if (scope?.version) tags.push({ key: 'otel.scope.version', vStr: scope.version });
  return { serviceName, tags };
}

/** An attribute as a typed tag; arrays and key-value lists become JSON text (see anyValueJson). */
export function typedTag(key: string, value: otlp.IAnyValue | null | undefined): ITag {
  switch (anyValueCase(value)) {
    case 'stringValue':
      return { key, vStr: value?.stringValue ?? '' };
    case 'boolValue':
      return { key, type: Tag.TagType.BOOL, vBool: value?.boolValue ?? false };
    case 'intValue':
      return { key, type: Tag.TagType.LONG, vLong: toLong(int64(value?.intValue)) };
    case 'doubleValue':
      return { key, type: Tag.TagType.DOUBLE, vDouble: value?.doubleValue ?? 0 };
    case 'bytesValue':
      return { key, type: Tag.TagType.BINARY, vBytes: value?.bytesValue ?? new Uint8Array() };
    case 'arrayValue':
    case 'kvlistValue':
      return { key, vStr: anyValueJson(value) };
    default:
      return { key, vStr: '' }; // an empty AnyValue: OpenTelemetry allows it
  }
}

type AnyValueCase = Exclude<otlp.AnyValue['value'], undefined>;

/** Which member of the `value` oneof is set; protobufjs objects and plain objects alike. */
function anyValueCase(value: otlp.IAnyValue | null | undefined): AnyValueCase | undefined {
  if (!value) return undefined;
  if (value instanceof otlp.AnyValue) return value.value;
  for (const name of CASES) if (value[name] !== undefined && value[name] !== null) return name;
  return undefined;
}

const CASES: readonly AnyValueCase[] = [
  'stringValue',
  'boolValue',
  'intValue',
  'doubleValue',
  'arrayValue',
  'kvlistValue',
  'bytesValue',
];

/** A value as plain text: strings as they are, everything else as {@link anyValueJson}. */
function anyValueText(value: otlp.IAnyValue | null | undefined): string {
  return anyValueCase(value) === 'stringValue' ? (value?.stringValue ?? '') : anyValueJson(value);
}

/**
 * OpenTelemetry's rule for showing an AnyValue to a system without its types (specification,
 * "attribute values in non-OTLP exporters"): JSON, bytes as base64, integers exact.
 */
export function anyValueJson(value: otlp.IAnyValue | null | undefined): string {
  switch (anyValueCase(value)) {
    case 'stringValue':
      return JSON.stringify(value?.stringValue ?? '');
    case 'boolValue':
      return String(value?.boolValue ?? false);
    case 'intValue':
      return int64(value?.intValue).toString();
    case 'doubleValue': {
      const d = value?.doubleValue ?? 0;
      return Number.isFinite(d) ? String(d) : JSON.stringify(String(d)); // NaN, Infinity: strings
    }
    case 'bytesValue':
      return JSON.stringify(Buffer.from(value?.bytesValue ?? []).toString('base64'));
    case 'arrayValue':
      return `[${(value?.arrayValue?.values ?? []).map(anyValueJson).join(',')}]`;
    case 'kvlistValue': {
      const members = (value?.kvlistValue?.values ?? []).map(
        (kv) => `${JSON.stringify(kv.key ?? '')}:${anyValueJson(kv.value)}`,
      );
      return `{${members.join(',')}}`;
    }
    default:
      return 'null';
  }
}

function int64(value: number | Long | null | undefined): bigint {
  return value === null || value === undefined ? 0n : fromLong(value);
}
