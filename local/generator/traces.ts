import type { ILog, ISpan, ITag } from '../../proto/haystack.generated.js';
import { Tag } from '../../proto/haystack.generated.js';
import type { Random } from './random.js';

/** A service of the made-up shop the traffic comes from, and the operations it serves. */
interface Service {
  name: string;
  operations: readonly string[];
  /** Services it calls. */
  calls: readonly string[];
}

const SERVICES: readonly Service[] = [
  {
    name: 'frontend',
    operations: ['GET /', 'GET /product/{id}', 'POST /cart', 'POST /checkout'],
    calls: ['catalog', 'cart', 'checkout', 'recommendations', 'auth'],
  },
  { name: 'auth', operations: ['ValidateToken'], calls: ['user-db'] },
  { name: 'catalog', operations: ['GetProduct', 'ListProducts'], calls: ['catalog-db', 'cache'] },
  { name: 'cart', operations: ['AddItem', 'GetCart'], calls: ['cache'] },
  {
    name: 'checkout',
    operations: ['PlaceOrder'],
    calls: ['payment', 'shipping', 'cart', 'email'],
  },
  { name: 'payment', operations: ['Charge', 'Authorize'], calls: ['fraud'] },
  { name: 'shipping', operations: ['GetQuote', 'ShipOrder'], calls: [] },
  { name: 'recommendations', operations: ['ListRecommendations'], calls: ['catalog'] },
  { name: 'fraud', operations: ['Score'], calls: [] },
  { name: 'email', operations: ['SendConfirmation'], calls: [] },
  { name: 'cache', operations: ['GET', 'SET'], calls: [] },
  { name: 'catalog-db', operations: ['SELECT products'], calls: [] },
  { name: 'user-db', operations: ['SELECT users'], calls: [] },
];
const BY_NAME = new Map(SERVICES.map((s) => [s.name, s]));
const ROOT = SERVICES[0] as Service;

/** Options of {@link generateTrace}. */
export interface TraceShape {
  /** Fewest and most spans per trace. */
  minSpans: number;
  maxSpans: number;
}

/**
 * One trace as a tree of spans across services: a root span on the frontend, children calling
 * downstream services within their parent's time, parent/child ids, tags of every Haystack
 * type and a few logs. Spans come out parent before child, as agents usually emit them.
 */
export function generateTrace(random: Random, nowMicros: number, shape: TraceShape): ISpan[] {
  const traceId = random.uuid();
  const count = random.int(shape.minSpans, shape.maxSpans);
  const root = span(random, traceId, '', ROOT, nowMicros, random.int(20_000, 400_000));
  const spans: { span: ISpan; service: Service }[] = [{ span: root, service: ROOT }];
  while (spans.length < count) {
    const parent = random.pick(spans);
    const callee = BY_NAME.get(
      random.pick(parent.service.calls.length ? parent.service.calls : ROOT.calls),
    );
    if (!callee) continue;
    const parentStart = Number(parent.span.startTime);
    const parentDuration = Number(parent.span.duration);
    const offset = random.int(0, Math.floor(parentDuration / 2));
    const duration = random.int(1, Math.max(1, parentDuration - offset));
    spans.push({
      span: span(random, traceId, parent.span.spanId ?? '', callee, parentStart + offset, duration),
      service: callee,
    });
  }
  return spans.map((s) => s.span);
}

function span(
  random: Random,
  traceId: string,
  parentSpanId: string,
  service: Service,
  startTime: number,
  duration: number,
): ISpan {
  const error = random.chance(0.03);
  return {
    traceId,
    spanId: random.uuid(),
    parentSpanId,
    serviceName: service.name,
    operationName: random.pick(service.operations),
    startTime,
    duration,
    tags: tags(random, service.name, parentSpanId === '', error),
    logs: logs(random, startTime, duration, error),
  };
}

/** Tags of every type Haystack knows: string, long, double, bool and binary. */
function tags(random: Random, service: string, server: boolean, error: boolean): ITag[] {
  const list: ITag[] = [
    {
      key: 'http.url',
      type: Tag.TagType.STRING,
      vStr: `https://shop.example.com/api/${service}/${random.uuid().slice(0, 13)}`,
    },
    { key: 'span.kind', type: Tag.TagType.STRING, vStr: server ? 'server' : 'client' },
    { key: 'http.status_code', type: Tag.TagType.LONG, vLong: error ? 500 : 200 },
    { key: 'error', type: Tag.TagType.BOOL, vBool: error },
    { key: 'sampling.rate', type: Tag.TagType.DOUBLE, vDouble: random.pick([1, 0.5, 0.1]) },
    {
      key: 'host',
      type: Tag.TagType.STRING,
      vStr: `ip-10-0-${random.int(0, 255)}-${random.int(0, 255)}`,
    },
  ];
  if (random.chance(0.3)) {
    list.push({ key: 'request.digest', type: Tag.TagType.BINARY, vBytes: random.bytes(8) });
  }
  return list;
}

function logs(random: Random, startTime: number, duration: number, error: boolean): ILog[] {
  const list: ILog[] = [];
  if (random.chance(0.4)) {
    list.push({
      timestamp: startTime + random.int(0, duration),
      fields: [
        {
          key: 'event',
          type: Tag.TagType.STRING,
          vStr: random.pick(['cache-miss', 'retry', 'sent']),
        },
        { key: 'attempt', type: Tag.TagType.LONG, vLong: random.int(1, 3) },
      ],
    });
  }
  if (error) {
    list.push({
      timestamp: startTime + duration,
      fields: [
        { key: 'event', type: Tag.TagType.STRING, vStr: 'error' },
        { key: 'message', type: Tag.TagType.STRING, vStr: 'upstream timed out' },
      ],
    });
  }
  return list;
}
