import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  GetObjectTaggingCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectTaggingCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { describeChain, errorName, httpStatus, isNetworkError, Unreachable } from './errors.js';

/** One failure record object as the bucket lists it. */
export interface ListedObject {
  readonly key: string;
  readonly size: number;
  readonly lastModified: Date;
}

/** The tag a replayed record gets with `--tag` (its value: when it was replayed). */
export const REPLAYED_TAG = 'replayed';

/**
 * The failure bucket, through the S3 API: listing, reading, and marking a record replayed
 * (deleting it, or tagging it). Every S3 error becomes an {@link Unreachable} that says which
 * right or which name to check.
 */
export class FailureBucket {
  constructor(
    private readonly s3: S3Client,
    readonly name: string,
    private readonly where: string,
  ) {}

  /** Every object under `prefix`, in key order (Lambda's keys sort by shard, then time). */
  async list(prefix: string): Promise<ListedObject[]> {
    const objects: ListedObject[] = [];
    let token: string | undefined;
    do {
      const page = await this.call('list', 's3:ListBucket', () =>
        this.s3.send(
          new ListObjectsV2Command({ Bucket: this.name, Prefix: prefix, ContinuationToken: token }),
        ),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key === undefined) continue;
        objects.push({
          key: o.Key,
          size: o.Size ?? 0,
          lastModified: o.LastModified ?? new Date(0),
        });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return objects;
  }

  /** One object by its key; undefined when there is none. */
  async head(key: string): Promise<ListedObject | undefined> {
    try {
      const head = await this.s3.send(new HeadObjectCommand({ Bucket: this.name, Key: key }));
      return { key, size: head.ContentLength ?? 0, lastModified: head.LastModified ?? new Date(0) };
    } catch (error) {
      if (httpStatus(error) === 404 && errorName(error) !== 'NoSuchBucket') return undefined;
      throw this.translate(error, 'read', 's3:GetObject', key);
    }
  }

  /**
   * The object's body as text, and its tags when it has any; undefined when it is gone since
   * it was listed (replayed by someone else, or expired).
   */
  async read(key: string): Promise<{ body: string; tags: Record<string, string> } | undefined> {
    let object: GetObjectCommandOutput;
    try {
      object = await this.s3.send(new GetObjectCommand({ Bucket: this.name, Key: key }));
    } catch (error) {
      if (errorName(error) === 'NoSuchKey') return undefined;
      throw this.translate(error, 'read', 's3:GetObject', key);
    }
    const body = (await object.Body?.transformToString('utf8')) ?? '';
    const tags = (object.TagCount ?? 0) > 0 ? await this.tags(key) : {};
    return { body, tags };
  }

  async tags(key: string): Promise<Record<string, string>> {
    const { TagSet } = await this.call(
      'read the tags of',
      's3:GetObjectTagging',
      () => this.s3.send(new GetObjectTaggingCommand({ Bucket: this.name, Key: key })),
      key,
    );
    return Object.fromEntries((TagSet ?? []).map((t) => [t.Key ?? '', t.Value ?? '']));
  }

  /** Deletes the record (a versioned bucket keeps it as a noncurrent version for a while). */
  async delete(key: string): Promise<void> {
    await this.call(
      'delete',
      's3:DeleteObject',
      () => this.s3.send(new DeleteObjectCommand({ Bucket: this.name, Key: key })),
      key,
    );
  }

  /** Tags the record `replayed=<time>`, keeping its other tags. */
  async tagReplayed(key: string, at: Date, existing: Record<string, string>): Promise<void> {
    const tags = { ...existing, [REPLAYED_TAG]: at.toISOString() };
    await this.call(
      'tag',
      's3:PutObjectTagging',
      () =>
        this.s3.send(
          new PutObjectTaggingCommand({
            Bucket: this.name,
            Key: key,
            Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
          }),
        ),
      key,
    );
  }

  private async call<T>(
    verb: string,
    right: string,
    send: () => Promise<T>,
    key?: string,
  ): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw this.translate(error, verb, right, key);
    }
  }

  private translate(error: unknown, verb: string, right: string, key?: string): Error {
    const target = key === undefined ? `s3://${this.name}` : `s3://${this.name}/${key}`;
    const name = errorName(error);
    if (name === 'NoSuchBucket') {
      return new Unreachable(
        `bucket ${this.name} does not exist (${this.where}): give the stack's FailureBucketName output as --bucket`,
        false,
      );
    }
    if (name === 'NoSuchKey') {
      return new Unreachable(`${target} does not exist (${this.where})`, false);
    }
    if (name === 'AccessDenied' || httpStatus(error) === 403) {
      return new Unreachable(
        `not allowed to ${verb} ${target}: the caller needs ${right} on the bucket (${describeChain(error)})`,
        false,
      );
    }
    if (isNetworkError(error)) {
      return new Unreachable(`cannot reach S3 (${this.where}): ${describeChain(error)}`, true);
    }
    return new Unreachable(`cannot ${verb} ${target}: ${describeChain(error)}`, false);
  }
}
