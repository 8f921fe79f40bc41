const WIDTH = 24;

/**
 * The run's progress: on a terminal, a bar redrawn in place below the result lines; elsewhere
 * (CI, a pipe), the result lines alone, each numbered `[n/total]`.
 */
export class Progress {
  private done = 0;
  private records = 0;
  private readonly started = Date.now();
  private readonly tty: boolean;

  constructor(
    private readonly total: number,
    private readonly out: NodeJS.WriteStream = process.stderr,
    private readonly lines: NodeJS.WritableStream = process.stdout,
  ) {
    this.tty = out.isTTY === true;
  }

  /** Prints one result line and moves the bar on. */
  step(line: string, records: number): void {
    this.done += 1;
    this.records += records;
    if (this.tty) this.out.write('\r\x1b[2K');
    this.lines.write(`[${this.done}/${this.total}] ${line}\n`);
    this.draw();
  }

  draw(): void {
    if (!this.tty) return;
    const fraction = this.total === 0 ? 1 : this.done / this.total;
    const filled = Math.round(fraction * WIDTH);
    const seconds = ((Date.now() - this.started) / 1000).toFixed(0);
    this.out.write(
      `\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(WIDTH - filled)}] ${this.done}/${this.total} failure records, ${this.records.toLocaleString('en-US')} records replayed, ${seconds} s`,
    );
  }

  end(): void {
    if (this.tty) this.out.write('\r\x1b[2K');
  }
}
