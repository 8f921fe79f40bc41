import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { App } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { appSettingsFromContext } from '../../cdk/context.js';
import {
  DECORATORS,
  ENVIRONMENT_LIMIT_BYTES,
  FORMATS,
  SIZE_GUARD,
  STACK_NAME,
} from '../../cdk/defaults.js';
import { resolveSettings, SettingsError } from '../../cdk/settings.js';
import { INPUT_FORMATS, OUTPUT_FORMATS } from '../../cdk/settings-formats.js';
import { BASE, build, props } from './fixtures.js';

const contextOf = (collector: unknown) => new App({ context: { collector } }).node;

describe('settings', () => {
  it('lists every problem at once, naming the setting and what it accepts', () => {
    const broken = props({
      kafka: {
        bootstrapBrokers: ['no-port'],
        topic: 'bad topic',
        auth: { mode: 'iam', clusterArn: 'arn:aws:kafka:eu-west-1:111122223333:topic/x/y/z' },
      },
      network: { vpcId: 'vpc-1', subnetIds: [], securityGroupIds: ['sg-0123456789abcdef3'] },
      function: { memoryMb: 64, logRetentionDays: 31 },
    });

    let error: unknown;
    try {
      resolveSettings(broken);
    } catch (e) {
      error = e;
    }

    expect(error).toBeInstanceOf(SettingsError);
    expect((error as SettingsError).problems).toEqual([
      'kafka.bootstrapBrokers=["no-port"] is not accepted: use a non-empty list of host:port',
      'kafka.topic="bad topic" is not a Kafka topic name',
      'kafka.auth.clusterArn="arn:aws:kafka:eu-west-1:111122223333:topic/x/y/z" is not an MSK cluster ARN (arn:aws:kafka:<region>:<account>:cluster/<name>/<uuid>)',
      'network.vpcId="vpc-1" is not a VPC ID (vpc-…)',
      'network.subnetIds=[] is not a non-empty list of subnet IDs',
      'function.memoryMb=64 is not accepted: use a whole number from 128 to 10240',
      'function.logRetentionDays=31 is not accepted: use one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653',
    ]);
  });

  it('stops the synth, naming the build step, when the bundle is missing', () => {
    const empty = mkdtempSync(path.join(os.tmpdir(), 'no-bundle-'));

    expect(() => build({ ...BASE, assetPath: empty })).toThrow('run `npm run build` first');
  });

  it.each([
    [{ kafka: { auth: { mode: 'sasl' } } }, 'kafka.auth.mode="sasl" is not accepted'],
    [{ kafka: { deadLetterTopic: 'proto-spans' } }, 'must differ from kafka.topic'],
    [
      { stream: { arn: 'arn:aws:kinesis:eu-west-1:111122223333:stream/s', shardCount: 2 } },
      'stream.shardCount applies to a new stream only',
    ],
    [
      { function: { timeoutSeconds: 1 }, kafka: { producer: { deadlineMarginMs: 5000 } } },
      'must be shorter than the function timeout',
    ],
    [{ alarms: { topicArn: 'oncall' } }, 'alarms.topicArn="oncall" is not an SNS topic ARN'],
  ])('refuses %j', (changes, message) => {
    expect(() => resolveSettings(props(changes as Parameters<typeof props>[0]))).toThrow(message);
  });
});

describe('CDK context', () => {
  it('reads the settings object, the stack name and tags', () => {
    const settings = appSettingsFromContext(
      contextOf({ ...BASE, stackName: 'Spans-eu', tags: { team: 'tracing' } }),
    );

    expect(settings).toEqual({
      stackName: 'Spans-eu',
      env: undefined,
      tags: { team: 'tracing' },
      collector: BASE,
    });
  });

  it('reads the settings from a JSON file named on the command line (-c collector=file)', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'ctx-')), 'prod.json');
    writeFileSync(
      file,
      JSON.stringify({ ...BASE, env: { account: '111122223333', region: 'eu-west-1' } }),
    );

    const settings = appSettingsFromContext(contextOf(file));

    expect(settings.stackName).toBe(STACK_NAME);
    expect(settings.env).toEqual({ account: '111122223333', region: 'eu-west-1' });
    expect(settings.collector).toEqual(BASE);
  });

  it('refuses misspelt keys, which would otherwise deploy a default in silence', () => {
    const typo = {
      ...BASE,
      mapping: { batchsize: 10 },
      kafka: { ...BASE.kafka, auth: { mode: 'iam', clusterARN: 'x' } },
    };

    expect(() => appSettingsFromContext(contextOf(typo))).toThrow(
      /kafka\.auth\.clusterARN is not a known setting[\s\S]*mapping\.batchsize is not a known setting/,
    );
  });

  it('says where to put the settings when there are none', () => {
    expect(() => appSettingsFromContext(new App().node)).toThrow('No "collector" context');
  });

  it("accepts cdk.json's own example", async () => {
    const { readFileSync } = await import('node:fs');
    const { context } = JSON.parse(readFileSync('cdk.json', 'utf8')) as {
      context: { collector: unknown };
    };

    const { collector } = appSettingsFromContext(contextOf(context.collector));

    expect(() => resolveSettings(collector)).not.toThrow();
  });
});

/** The problems resolveSettings reports for `collector`; fails when it accepts it. */
function problemsOf(collector: Parameters<typeof resolveSettings>[0]): readonly string[] {
  try {
    resolveSettings(collector);
  } catch (error) {
    if (error instanceof SettingsError) return error.problems;
    throw error;
  }
  throw new Error('The settings were accepted');
}

const OTHER_CLUSTER_ARN =
  'arn:aws:kafka:eu-west-1:444455556666:cluster/audit/1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d-1';

describe('settings: formats, size guard, additional tags and routes', () => {
  it('lists every problem at once, naming the setting and what it accepts', () => {
    const problems = problemsOf(
      props({
        formats: { input: 'zipkin' as never, output: 'avro' as never, maxDecompressedBytes: 100 },
        sizeGuard: { enable: 'yes' as never, maxBytes: 0, skipTags: ['', 'x'], infoTagKey: ' X ' },
        additionalTags: { env: 2 as never },
        kafka: {
          routes: [
            { name: 'errors', topic: 'proto-spans', tags: { error: 'true' } },
            { name: 'errors', topic: 'bad topic', tags: [] as never },
            { name: 'audit', topic: 'audit-spans', tags: {}, brokers: ['b-1.audit:9098'] },
            'route' as never,
          ],
        },
      }),
    );

    expect(problems).toEqual([
      'kafka.routes[0].topic="proto-spans" already gets every span or dead letter on the main cluster: use another topic',
      'kafka.routes[1].name="errors" is used by an earlier route: names must be unique',
      'kafka.routes[1].topic="bad topic" is not a Kafka topic name',
      'kafka.routes[1].tags=[] is not an object: use an object of tag keys to string values ({} routes every span)',
      'kafka.routes[2].clusterArn is required: the route writes to another cluster (brokers) with MSK IAM, and the policy names that cluster and its topic by ARN',
      'kafka.routes[3] is not accepted: use {name, topic, tags, brokers?, clusterArn?, output?}',
      'formats.input="zipkin" is not accepted: use one of haystack-span, haystack-batch, haystack-json, otlp-proto, otlp-json',
      'formats.output="avro" is not accepted: use one of proto, json, otlp-proto, otlp-json',
      'formats.maxDecompressedBytes=100 is not accepted: use a whole number from 1024 to 268435456',
      'sizeGuard.enable="yes" is not accepted: use true or false',
      'sizeGuard.maxBytes=0 is not accepted: use a whole number from 1 to 100000000',
      'sizeGuard.skipTags=["","x"] is not accepted: use a list of non-empty strings ([] for none)',
      'sizeGuard.infoTagKey=" X " is not accepted: use a non-empty string without leading or trailing spaces',
      'additionalTags["env"]=2 is not a string: use an object of tag keys to string values, e.g. {"X-HAYSTACK-ENV":"prod"}',
    ]);
  });

  it('accepts every setting the function accepts, MSK IAM routes on both clusters included', () => {
    const settings = resolveSettings(
      props({
        formats: { input: 'otlp-proto', output: 'json', maxDecompressedBytes: 1024 },
        sizeGuard: { enable: true, logOnly: false, maxBytes: 1, skipTags: [], skipServices: [] },
        additionalTags: { 'X-HAYSTACK-ENV': 'prod' },
        kafka: {
          routes: [
            { name: 'errors', topic: 'error-spans', tags: { error: 'true' } },
            {
              name: 'audit',
              topic: 'audit-spans',
              tags: {},
              brokers: ['b-1.audit:9098'],
              clusterArn: OTHER_CLUSTER_ARN,
            },
          ],
        },
      }),
    );

    expect(settings.kafka.routes.map(({ name, cluster }) => [name, cluster?.arn])).toEqual([
      ['errors', undefined],
      ['audit', OTHER_CLUSTER_ARN],
    ]);
  });

  const route = (changes: object) => ({
    name: 'audit',
    topic: 'audit-spans',
    tags: {},
    ...changes,
  });

  it.each([
    [
      'a route on another cluster without its ARN, with MSK IAM',
      { kafka: { routes: [route({ brokers: ['b-1.audit:9098'] })] } },
      'kafka.routes[0].clusterArn is required: the route writes to another cluster (brokers) with MSK IAM',
    ],
    [
      'a clusterArn on a route to the main cluster',
      { kafka: { routes: [route({ clusterArn: OTHER_CLUSTER_ARN })] } },
      'kafka.routes[0].clusterArn applies only with brokers',
    ],
    [
      'a clusterArn without MSK IAM',
      {
        kafka: {
          auth: { mode: 'tls' },
          routes: [route({ brokers: ['b-1.audit:9094'], clusterArn: OTHER_CLUSTER_ARN })],
        },
      },
      'kafka.routes[0].clusterArn applies with kafka.auth.mode iam only: it scopes the IAM policy, which tls does not use',
    ],
    [
      'a route cluster in another region, whose brokers refuse the tokens',
      {
        kafka: {
          routes: [
            route({
              brokers: ['b-1.audit:9098'],
              clusterArn: OTHER_CLUSTER_ARN.replace('eu-west-1', 'us-east-1'),
            }),
          ],
        },
      },
      'kafka.routes[0].clusterArn is in us-east-1, the main cluster in eu-west-1',
    ],
    [
      'a route cluster ARN that is a topic ARN',
      {
        kafka: {
          routes: [
            route({
              brokers: ['b-1.audit:9098'],
              clusterArn: OTHER_CLUSTER_ARN.replace(':cluster/', ':topic/'),
            }),
          ],
        },
      },
      'is not an MSK cluster ARN',
    ],
    [
      'two ARNs for the same brokers',
      {
        kafka: {
          routes: [
            route({ brokers: ['b-1.audit:9098'], clusterArn: OTHER_CLUSTER_ARN }),
            route({
              name: 'audit2',
              brokers: ['b-1.audit:9098'],
              clusterArn: OTHER_CLUSTER_ARN.replace('audit/', 'other/'),
            }),
          ],
        },
      },
      'kafka.routes[1].clusterArn differs from an earlier route with the same brokers',
    ],
    [
      'a route to the dead-letter topic',
      { kafka: { routes: [route({ topic: 'proto-spans-dlq' })] } },
      'kafka.routes[0].topic="proto-spans-dlq" already gets every span or dead letter',
    ],
    [
      'a route without tags, which must say {} to mirror every span',
      { kafka: { routes: [{ name: 'all', topic: 'all-spans' }] } },
      'kafka.routes[0].tags is missing',
    ],
    [
      'brokers that are not host:port',
      {
        kafka: {
          routes: [route({ brokers: 'b-1.audit:9098', clusterArn: OTHER_CLUSTER_ARN })],
        },
      },
      'kafka.routes[0].brokers="b-1.audit:9098" is not accepted: use a non-empty list of host:port',
    ],
    [
      'more routes than the function accepts',
      {
        kafka: {
          routes: Array.from({ length: DECORATORS.maxRoutes + 1 }, (_, i) =>
            route({ name: `r${i}`, topic: `t${i}` }),
          ),
        },
      },
      'kafka.routes has 17 routes: at most 16 are accepted',
    ],
    [
      'size guard settings without enable, which would do nothing',
      { sizeGuard: { maxBytes: 8000, skipTags: [] } },
      'sizeGuard.maxBytes, sizeGuard.skipTags only act when the guard is on: give sizeGuard.enable',
    ],
    [
      'a blank info tag value, which the function would replace by its default',
      { sizeGuard: { enable: true, infoTagValue: '' } },
      'sizeGuard.infoTagValue="" is not accepted',
    ],
  ])('refuses %s', (_name, changes, message) => {
    expect(problemsOf(props(changes as Parameters<typeof props>[0])).join('\n')).toContain(message);
  });

  it('takes a size guard key left undefined, as typed code may write it, for unset', () => {
    expect(() => resolveSettings(props({ sizeGuard: { maxBytes: undefined } }))).not.toThrow();
  });

  it("refuses an environment over Lambda's 4 KB, which would only fail at deployment", () => {
    const routes = Array.from({ length: DECORATORS.maxRoutes }, (_, i) =>
      route({
        name: `route-${i}`,
        topic: `spans-of-team-${i}`,
        tags: {
          'service.name': `checkout-service-of-team-${i}`,
          'deployment.environment': 'production-eu-west-1',
          team: 'tracing-platform',
        },
        brokers: [`b-1.team-${i}.kafka.eu-west-1.amazonaws.com:9098`],
        clusterArn: OTHER_CLUSTER_ARN.replace('audit/', `team-${i}/`),
      }),
    );

    expect(problemsOf(props({ kafka: { routes } }))).toEqual([
      expect.stringMatching(
        new RegExp(
          `^the function's environment is \\d+ bytes, over Lambda's limit of ${ENVIRONMENT_LIMIT_BYTES}: shorten`,
        ),
      ),
    ]);
    // Half of them fit: the limit is on the whole environment, not on the number of routes.
    expect(() => resolveSettings(props({ kafka: { routes: routes.slice(0, 8) } }))).not.toThrow();
  });
});

describe("defaults of the function's settings", () => {
  it("are the function's own, which applies them when the stack writes no variable", async () => {
    const { readFormatSettings } = await import('../../lambda/config-formats.js');
    const problems: string[] = [];

    const fn = readFormatSettings({}, problems);

    expect(problems).toEqual([]);
    expect({
      input: fn.inputFormat,
      output: fn.outputFormat,
      maxDecompressedBytes: fn.maxDecompressedBytes,
    }).toEqual(FORMATS);
    expect({
      ...fn.sizeGuard,
      maxBytes: fn.sizeGuard.maxSizeBytes,
      maxSizeBytes: undefined,
    }).toEqual({ ...SIZE_GUARD, maxSizeBytes: undefined });
    expect(fn.additionalTags.entries).toEqual([]);
    expect(fn.routes).toEqual(DECORATORS.routes);
  });

  it("accept the function's input formats and no other", async () => {
    const { INPUT_FORMATS: fromFunction } = await import('../../lambda/formats/decoders.js');

    expect(INPUT_FORMATS).toEqual(fromFunction);
  });

  it("accept the function's output formats and no other", async () => {
    const { OUTPUT_FORMATS: fromFunction } = await import('../../lambda/outputs/output-formats.js');

    expect(OUTPUT_FORMATS).toEqual(fromFunction);
  });

  it("refuse a route's output the function would refuse, naming the route", () => {
    const problems = problemsOf(
      props({
        kafka: {
          routes: [{ name: 'otel', topic: 'otlp_spans', tags: {}, output: 'zipkin' as never }],
        },
      }),
    );

    expect(problems).toEqual([
      'kafka.routes[0].output="zipkin" is not accepted: use one of proto, json, otlp-proto, otlp-json (absent: formats.output)',
    ]);
  });

  it('allow as many routes as the function', async () => {
    const { readFormatSettings } = await import('../../lambda/config-formats.js');
    const routes = (n: number) =>
      JSON.stringify(Array.from({ length: n }, (_, i) => ({ name: `r${i}`, topic: `t${i}` })));
    const problemsWith = (n: number) => {
      const problems: string[] = [];
      readFormatSettings({ ROUTES: routes(n) }, problems);
      return problems;
    };

    expect(problemsWith(DECORATORS.maxRoutes)).toEqual([]);
    expect(problemsWith(DECORATORS.maxRoutes + 1)).not.toEqual([]);
  });
});

describe('CDK context: formats, size guard, additional tags and routes', () => {
  it('refuses misspelt keys in each new section and in each route, naming the route by index', () => {
    const typo = {
      ...BASE,
      formats: { inputFormat: 'otlp-proto' },
      sizeGuard: { enabled: true },
      kafka: {
        ...BASE.kafka,
        routes: [
          { name: 'a', topic: 'a', tags: {} },
          { name: 'b', topic: 'b', tags: {}, brokers: ['b:9098'], clusterARN: 'x' },
        ],
      },
      alarms: { routeFailure: 1 },
    };

    expect(() => appSettingsFromContext(contextOf(typo))).toThrow(
      [
        'Invalid "collector" context:',
        '  - kafka.routes[1].clusterARN is not a known setting (known in kafka.routes[1]: name, topic, tags, brokers, clusterArn, output)',
        '  - formats.inputFormat is not a known setting (known in formats: input, output, maxDecompressedBytes)',
        '  - sizeGuard.enabled is not a known setting (known in sizeGuard: enable, logOnly, maxBytes, skipTags, skipServices, infoTagKey, infoTagValue)',
        '  - alarms.routeFailure is not a known setting (known in alarms: topicArn, email, iteratorAgeMs, errors, throttles, onFailureMessages, invalidSpans, deadLetteredSpans, produceFailures, routeFailures, droppedEvents, onFailureEvents)',
      ].join('\n'),
    );
  });

  it("takes any key in additionalTags and in a route's tags: they are tag keys, not settings", () => {
    const collector = {
      ...BASE,
      additionalTags: { 'X-HAYSTACK-ENV': 'prod' },
      kafka: { ...BASE.kafka, routes: [{ name: 'a', topic: 'a', tags: { 'any.key': 'v' } }] },
    };

    expect(appSettingsFromContext(contextOf(collector)).collector).toEqual(collector);
  });

  it("accepts every JSON example of docs/deploy.md, so the guide's examples deploy", async () => {
    const { readFileSync } = await import('node:fs');
    const examples = [...readFileSync('docs/deploy.md', 'utf8').matchAll(/```json\n([\s\S]*?)```/g)]
      .map(([, json]) => JSON.parse(json as string) as Record<string, unknown>)
      .filter((example) => 'kafka' in example);

    expect(examples.length).toBeGreaterThanOrEqual(2);
    expect(examples.some((example) => 'routes' in (example.kafka as object))).toBe(true);
    for (const example of examples) {
      const { collector } = appSettingsFromContext(contextOf(example));
      expect(() => resolveSettings(collector)).not.toThrow();
    }
  });
});
