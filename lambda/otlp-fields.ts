/**
 * Field numbers of opentelemetry-proto (proto/otlp-trace.proto), for the code that reads and
 * writes OTLP on the wire (formats/otlp-proto.ts, formats/otlp-transcode.ts,
 * outputs/otlp-proto-writer.ts).
 */
export const REQUEST_RESOURCE_SPANS = 1;
export const RESOURCE_SPANS_RESOURCE = 1;
export const RESOURCE_SPANS_SCOPE_SPANS = 2;
export const RESOURCE_ATTRIBUTES = 1;
export const SCOPE_SPANS_SCOPE = 1;
export const SCOPE_SPANS_SPANS = 2;
export const SCOPE_NAME = 1;
export const SCOPE_VERSION = 2;
export const SPAN_TRACE_ID = 1;
export const SPAN_SPAN_ID = 2;
export const SPAN_PARENT_SPAN_ID = 4;
export const SPAN_NAME = 5;
export const SPAN_KIND = 6;
export const SPAN_START = 7;
export const SPAN_END = 8;
export const SPAN_ATTRIBUTES = 9;
export const SPAN_EVENTS = 11;
export const SPAN_STATUS = 15;
export const EVENT_TIME = 1;
export const EVENT_NAME = 2;
export const EVENT_ATTRIBUTES = 3;
export const STATUS_MESSAGE = 2;
export const STATUS_CODE = 3;
export const KV_KEY = 1;
export const KV_VALUE = 2;
export const ANY_STRING = 1;
export const ANY_BOOL = 2;
export const ANY_INT = 3;
export const ANY_DOUBLE = 4;
export const ANY_ARRAY = 5;
export const ANY_KVLIST = 6;
export const ANY_BYTES = 7;
