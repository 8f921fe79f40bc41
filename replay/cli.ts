import { type FlagSpec, type FlagValues, parseFlags, usage } from '../local/cli/flags.js';
import { count } from '../local/report/format.js';
import { FailureBucket, type ListedObject } from './bucket.js';
import { describeEndpoint, endpointsFrom, lambdaClient, s3Client } from './clients.js';
import { describeChain, Unreachable } from './errors.js';
import { parseFailureRecord, UnreadableRecord } from './failure-record.js';
import { FunctionInvoker } from './invoke.js';
import { Progress } from './progress.js';
import { describeRecord, describeRecords, resultLine, summary, verdict } from './report.js';
import { replayAll } from './run.js';
import { DEFAULT_PREFIX, parseTime, type Selection, selectObjects } from './select.js';

/**
 * `npm run replay -- <list|inspect|run> --bucket <name> …`: re-drives the batches the event
 * source mapping gave up on, from the failure bucket, through the deployed function. Exit
 * codes: 0 done, 1 something left in place or unreadable, 2 bad flags, 3 the bucket or the
 * function cannot be reached (nothing more was tried).
 */
const COMMANDS = ['list', 'inspect', 'run'] as const;
type Command = (typeof COMMANDS)[number];

const FLAGS: Record<string, FlagSpec> = {
  bucket: { type: 'string', help: "the failure bucket (the stack's FailureBucketName output)" },
  function: {
    type: 'string',
    help: "run: the function to invoke (the stack's FunctionName output; with --endpoint, the name the endpoint serves)",
  },
  prefix: {
    type: 'string',
    default: DEFAULT_PREFIX,
    help: 'only keys under this prefix (aws/lambda/<mapping UUID>/ for one mapping)',
  },
  key: { type: 'string', help: 'exactly this one failure record' },
  since: { type: 'string', help: 'only records written at or after: ISO 8601 or 90m, 6h, 2d ago' },
  until: { type: 'string', help: 'only records written before: ISO 8601 or 90m, 6h, 2d ago' },
  shard: { type: 'string', help: 'only records of this shard (shardId-000000000003)' },
  'dry-run': {
    type: 'boolean',
    help: 'run: read and check everything, invoke nothing, change nothing',
  },
  tag: {
    type: 'boolean',
    help: 'run: tag a replayed record replayed=<time> instead of deleting it',
  },
  again: { type: 'boolean', help: 'run: also replay records already tagged replayed' },
  concurrency: {
    type: 'int',
    default: 2,
    min: 1,
    max: 20,
    help: 'run: shards replayed at once (each shard in order, oldest first)',
  },
  limit: { type: 'int', default: 20, min: 1, max: 100_000, help: 'inspect: records shown' },
  region: { type: 'string', help: 'AWS region (default: AWS_REGION or the profile)' },
  endpoint: {
    type: 'string',
    help: 'a Lambda Invoke API other than AWS (sam local start-lambda: http://127.0.0.1:3001)',
  },
  's3-endpoint': { type: 'string', help: 'an S3 API other than AWS' },
  json: { type: 'boolean', help: 'list, inspect: one JSON object per line' },
  help: { type: 'boolean', help: 'this text' },
};

const HELP = `${usage('npm run replay -- <list|inspect|run>', FLAGS)}

  list      what the failure records hold: stream, shard, sequence range, record count, why given up
  inspect   one failure record (--key) and its records
  run       invoke the function with each selected record set; delete it (or --tag it) only when
            the function stored every record; leave it and say why otherwise

Exit codes: 0 done, 1 something left in place or unreadable, 2 bad flags, 3 bucket or function unreachable.`;

async function main(argv: readonly string[]): Promise<number> {
  const [command, ...rest] = argv;
  let flags: FlagValues;
  try {
    flags = parseFlags(rest, FLAGS);
  } catch (error) {
    return usageError((error as Error).message);
  }
  if (flags.help || command === undefined || command === '--help') {
    process.stdout.write(`${HELP}\n`);
    return command === undefined && !flags.help ? 2 : 0;
  }
  if (!COMMANDS.includes(command as Command)) {
    return usageError(`unknown command "${command}": use list, inspect or run`);
  }
  let selection: Selection;
  try {
    selection = selectionFrom(command as Command, flags);
  } catch (error) {
    return usageError((error as Error).message);
  }
  const bucketName = flags.bucket as string | undefined;
  if (!bucketName) return usageError('--bucket is required (the FailureBucketName output)');
  const fn = flags.function as string | undefined;
  if (command === 'run' && !flags['dry-run'] && !fn) {
    return usageError('run needs --function (the FunctionName output), or --dry-run');
  }

  const endpoints = endpointsFrom({
    region: flags.region as string | undefined,
    endpoint: flags.endpoint as string | undefined,
    s3Endpoint: flags['s3-endpoint'] as string | undefined,
  });
  const s3 = s3Client(endpoints);
  const bucket = new FailureBucket(
    s3,
    bucketName,
    describeEndpoint(endpoints.s3Endpoint, endpoints.region),
  );
  const lambda = fn ? lambdaClient(endpoints) : undefined;
  try {
    const objects = await selectObjects(bucket, selection);
    if (command === 'list') return await list(bucket, objects, flags.json === true);
    if (command === 'inspect') return await inspect(bucket, objects, selection, flags);
    const invoker =
      lambda && fn && !flags['dry-run']
        ? new FunctionInvoker(
            lambda,
            fn,
            describeEndpoint(endpoints.lambdaEndpoint, endpoints.region),
          )
        : undefined;
    return await run(bucket, objects, invoker, flags);
  } catch (error) {
    if (error instanceof Unreachable) {
      process.stderr.write(`replay: ${error.message}\n`);
      return 3;
    }
    if (/region is missing/i.test(describeChain(error))) {
      return usageError('no AWS region: give --region or set AWS_REGION');
    }
    throw error;
  } finally {
    s3.destroy();
    lambda?.destroy();
  }
}

function selectionFrom(command: Command, flags: FlagValues): Selection {
  const key = flags.key as string | undefined;
  const prefix = flags.prefix as string;
  const filters = ['since', 'until', 'shard'].filter((f) => flags[f] !== undefined);
  if (key !== undefined && (filters.length > 0 || prefix !== DEFAULT_PREFIX)) {
    throw new Error(
      `--key names one record: drop ${[...filters, 'prefix'].map((f) => `--${f}`).join(', ')}`,
    );
  }
  if (command === 'inspect' && key === undefined) throw new Error('inspect needs --key');
  return {
    key,
    prefix,
    since: flags.since === undefined ? undefined : parseTime('since', flags.since as string),
    until: flags.until === undefined ? undefined : parseTime('until', flags.until as string),
    shard: flags.shard as string | undefined,
  };
}

async function list(
  bucket: FailureBucket,
  objects: ListedObject[],
  json: boolean,
): Promise<number> {
  let records = 0;
  let unreadable = 0;
  // Read a few at once; print in key order.
  const reads = objects.map((o) => ({
    object: o,
    read: undefined as ReturnType<FailureBucket['read']> | undefined,
  }));
  let next = 0;
  const start = () => {
    const item = reads[next++];
    if (item) item.read = bucket.read(item.object.key);
  };
  for (let i = 0; i < 4; i++) start();
  for (const item of reads) {
    const read = await item.read;
    start();
    if (read === undefined) continue;
    try {
      const record = parseFailureRecord(item.object.key, read.body);
      records += record.records.length;
      process.stdout.write(
        json
          ? `${JSON.stringify({
              key: item.object.key,
              size: item.object.size,
              lastModified: item.object.lastModified.toISOString(),
              ...record.batch,
              records: record.records.length,
              condition: record.condition,
              approximateInvokeCount: record.approximateInvokeCount,
              functionError: record.functionError,
              timestamp: record.timestamp,
              replayed: read.tags.replayed,
              warnings: record.warnings,
            })}\n`
          : `${describeRecord(bucket.name, item.object, record, read.tags)}\n\n`,
      );
    } catch (error) {
      if (!(error instanceof UnreadableRecord)) throw error;
      unreadable += 1;
      process.stdout.write(
        json
          ? `${JSON.stringify({ key: item.object.key, unreadable: error.message })}\n`
          : `${error.message}\n\n`,
      );
    }
  }
  if (!json) {
    process.stdout.write(
      `${count(objects.length)} failure record${objects.length === 1 ? '' : 's'} in s3://${bucket.name}, ${count(records)} Kinesis records${unreadable ? `, ${unreadable} unreadable` : ''}\n`,
    );
  }
  return unreadable > 0 ? 1 : 0;
}

async function inspect(
  bucket: FailureBucket,
  objects: ListedObject[],
  selection: Selection,
  flags: FlagValues,
): Promise<number> {
  const [object] = objects;
  const read = object ? await bucket.read(object.key) : undefined;
  if (!object || !read)
    throw new Unreachable(`s3://${bucket.name}/${selection.key} does not exist`, false);
  try {
    const record = parseFailureRecord(object.key, read.body);
    if (flags.json) {
      const { payload: _payload, records, ...rest } = record;
      process.stdout.write(
        `${JSON.stringify({
          ...rest,
          tags: read.tags,
          records: records.map((r) => ({
            sequenceNumber: r.kinesis.sequenceNumber,
            partitionKey: r.kinesis.partitionKey,
            bytes: Buffer.byteLength(r.kinesis.data, 'base64'),
            approximateArrivalTimestamp: r.kinesis.approximateArrivalTimestamp,
          })),
        })}\n`,
      );
    } else {
      process.stdout.write(
        `${describeRecord(bucket.name, object, record, read.tags)}\n${describeRecords(record.records, flags.limit as number)}\n`,
      );
    }
    return 0;
  } catch (error) {
    if (!(error instanceof UnreadableRecord)) throw error;
    process.stdout.write(`${error.message}\n`);
    return 1;
  }
}

async function run(
  bucket: FailureBucket,
  objects: ListedObject[],
  invoker: FunctionInvoker | undefined,
  flags: FlagValues,
): Promise<number> {
  const dryRun = flags['dry-run'] === true;
  process.stdout.write(
    `${dryRun ? 'Checking' : 'Replaying'} ${count(objects.length)} failure record${objects.length === 1 ? '' : 's'} from s3://${bucket.name}${invoker ? ` through ${invoker.functionName}` : ''}\n`,
  );
  const progress = new Progress(objects.length);
  progress.draw();
  const result = await replayAll(
    objects,
    bucket,
    invoker,
    {
      after: flags.tag ? 'tag' : 'delete',
      dryRun,
      again: flags.again === true,
      concurrency: flags.concurrency as number,
    },
    (r) => progress.step(resultLine(r), r.kind === 'replayed' ? r.records : 0),
  );
  progress.end();
  process.stdout.write(`\n${summary(objects.length, result, dryRun)}\n`);
  if (result.stopped) process.stderr.write(`replay: ${result.stopped.message}\n`);
  return verdict(result, objects.length);
}

function usageError(message: string): number {
  process.stderr.write(`replay: ${message}\n(npm run replay -- --help)\n`);
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`replay: ${(error as Error).stack ?? error}\n`);
    process.exit(1);
  },
);
