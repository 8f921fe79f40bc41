// The package's own typings import the AWS SDK v2; these cover only what the tests use.
declare module 'aws-kinesis-agg' {
  export class RecordAggregator {
    addUserRecord(record: { partitionKey: string; explicitHashKey?: string; data: Buffer }): void;
    build(): { partitionKey: string; data: Buffer };
  }
}
