/**
 * What a failure record's key says, when it follows Lambda's naming
 * `aws/lambda/<ESM-UUID>/<shardID>/YYYY/MM/DD/YYYY-MM-DDTHH.MM.SS-<Random UUID>` (AWS Lambda
 * Developer Guide, "Retain discarded batch records for a Kinesis Data Streams event source").
 */
export interface KeyParts {
  readonly mappingUuid: string;
  readonly shardId: string;
  /** When the record was written, from the key (UTC). */
  readonly writtenAt: Date;
}

const KEY =
  /^aws\/lambda\/([^/]+)\/([^/]+)\/\d{4}\/\d{2}\/\d{2}\/(\d{4}-\d{2}-\d{2})T(\d{2})\.(\d{2})\.(\d{2})-[^/]+$/;

/** The parts of a key in Lambda's naming, or undefined for any other key. */
export function keyParts(key: string): KeyParts | undefined {
  const match = KEY.exec(key);
  if (!match) return undefined;
  const [, mappingUuid, shardId, day, hh, mm, ss] = match as unknown as string[];
  const writtenAt = new Date(`${day}T${hh}:${mm}:${ss}Z`);
  if (Number.isNaN(writtenAt.getTime())) return undefined;
  return { mappingUuid: mappingUuid as string, shardId: shardId as string, writtenAt };
}
