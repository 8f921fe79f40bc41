import type { Config } from '../config.js';
import type { OutgoingMessage } from '../messages.js';
import { type Delivery, type MessageProducer, WarmProducer } from './producer.js';

/**
 * Producers for every cluster an invocation writes to: the main one, and one per distinct
 * broker list of the tag routes that name another cluster (reached with the main cluster's TLS
 * and SASL settings). Each is a warm producer of its own; an invocation's messages are split
 * by cluster, delivered in parallel, and their acknowledgements merged back in order.
 */
export class ClusterProducers implements MessageProducer {
  constructor(
    private readonly main: MessageProducer,
    private readonly others: ReadonlyMap<string, MessageProducer> = new Map(),
  ) {}

  /** The main cluster's producer and one for each other cluster the routes name. */
  static fromConfig(
    config: Config,
    main: MessageProducer = new WarmProducer(config.kafka),
  ): ClusterProducers {
    const others = new Map<string, MessageProducer>();
    for (const route of config.formats.routes) {
      if (!route.brokers) continue;
      const cluster = route.brokers.join(',');
      if (!others.has(cluster))
        others.set(cluster, new WarmProducer({ ...config.kafka, brokers: [...route.brokers] }));
    }
    return new ClusterProducers(main, others);
  }

  /** Disconnects every producer that can; for scripts and tests, never called by the handler. */
  async close(): Promise<void> {
    const producers = [this.main, ...this.others.values()] as Array<
      MessageProducer & { close?: () => Promise<void> }
    >;
    await Promise.all(producers.map((p) => p.close?.()));
  }

  async deliver(messages: readonly OutgoingMessage[], deadline: number): Promise<Delivery> {
    if (this.others.size === 0 || !messages.some((m) => m.cluster !== undefined)) {
      return this.main.deliver(messages, deadline);
    }
    const byCluster = new Map<string | undefined, number[]>();
    for (let i = 0; i < messages.length; i++) {
      const cluster = (messages[i] as OutgoingMessage).cluster;
      const indexes = byCluster.get(cluster) ?? [];
      indexes.push(i);
      byCluster.set(cluster, indexes);
    }
    const acknowledged = new Array<boolean>(messages.length).fill(false);
    const errors: Error[] = [];
    let skipped = 0;
    await Promise.all(
      Array.from(byCluster, async ([cluster, indexes]) => {
        const producer = cluster === undefined ? this.main : this.others.get(cluster);
        if (!producer) {
          errors.push(new Error(`No producer for cluster ${cluster}`));
          return;
        }
        const delivery = await producer.deliver(
          indexes.map((i) => messages[i] as OutgoingMessage),
          deadline,
        );
        indexes.forEach((messageIndex, i) => {
          acknowledged[messageIndex] = delivery.acknowledged[i] === true;
        });
        errors.push(...delivery.errors);
        skipped += delivery.skipped ?? 0;
      }),
    );
    return { acknowledged, errors, skipped };
  }
}
