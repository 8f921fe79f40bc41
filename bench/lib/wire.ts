import diagnostics from 'node:diagnostics_channel';
import type { Socket } from 'node:net';

/**
 * Counts the bytes this process writes to the brokers over TCP: every client socket Node opens
 * is announced on the `net.client.socket` diagnostics channel, and a socket counts its own
 * `bytesWritten`. What kafkajs hands to the kernel for the broker's ports is the producer's
 * traffic on the wire (TCP payload: produce requests with their framing, metadata, heartbeats),
 * measured, not estimated, without touching the producer.
 */
export class WireMeter {
  private readonly sockets: Socket[] = [];
  private readonly ports: Set<number>;
  private readonly onSocket = ({ socket }: { socket: Socket }) => {
    this.sockets.push(socket);
  };

  constructor(brokers: readonly string[]) {
    this.ports = new Set(brokers.map((b) => Number(b.split(':').at(-1))));
    diagnostics.subscribe('net.client.socket', this.onSocket as (message: unknown) => void);
  }

  /** Bytes written to the brokers so far, by every socket seen since the meter started. */
  written(): number {
    return this.sockets
      .filter((s) => s.remotePort !== undefined && this.ports.has(s.remotePort))
      .reduce((n, s) => n + s.bytesWritten, 0);
  }

  /** Bytes written to the brokers while `work` runs. */
  async during(work: () => Promise<unknown>): Promise<number> {
    const before = this.written();
    await work();
    return this.written() - before;
  }

  stop(): void {
    diagnostics.unsubscribe('net.client.socket', this.onSocket as (message: unknown) => void);
  }
}
