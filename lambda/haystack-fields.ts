/**
 * Field numbers of haystack-idl (proto/haystack.proto), for the code that writes or reads
 * Haystack spans on the wire in the OTLP transcoders (formats/otlp-transcode.ts,
 * outputs/haystack-view.ts).
 */
export const H_TRACE_ID = 1;
export const H_SPAN_ID = 2;
export const H_PARENT_SPAN_ID = 3;
export const H_SERVICE_NAME = 4;
export const H_OPERATION = 5;
export const H_START = 6;
export const H_DURATION = 7;
export const H_LOGS = 8;
export const H_TAGS = 9;
export const LOG_TIMESTAMP = 1;
export const LOG_FIELDS = 2;
export const TAG_KEY = 1;
export const TAG_TYPE = 2;
export const TAG_STR = 3;
export const TAG_LONG = 4;
export const TAG_DOUBLE = 5;
export const TAG_BOOL = 6;
export const TAG_BYTES = 7;
