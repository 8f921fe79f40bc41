// The package's own typings import the AWS SDK v2; these cover only what the tests use.
declare module 'aws-kinesis-agg' {
  export class RecordAggregator {
    addUserRecord(record: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
    build(): { partitionKey: string; data: Buffer };
  }
  /** Unpacks a record (`data` base64) into its user records (itself when not aggregated). */
  export function deaggregateSync(
    record: { data: string },
    computeChecksums: boolean,
    done: (error: Error | null, records?: { data: string; partitionKey: string }[]) => void,
  ): void;
}
