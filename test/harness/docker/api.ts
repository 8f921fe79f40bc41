import { request as httpRequest } from 'node:http';
import type { Readable } from 'node:stream';

/** The few Docker Engine API calls the harness makes, over the daemon's unix socket. */
export interface DockerApi {
  readonly socket: string;
  /** One API call; `body` may be a stream (an image tarball). Rejects only on transport errors. */
  request(
    method: string,
    path: string,
    body?: Buffer | Readable,
    headers?: Record<string, string>,
  ): Promise<{ status: number; body: Buffer }>;
  /** IDs of every container, running or not. */
  containers(): Promise<string[]>;
  /**
   * IDs of the containers created between `since` and `until`, from the daemon's event log:
   * a container already removed again still counts.
   */
  containersCreated(since: Date, until: Date): Promise<string[]>;
}

/** An API client for the daemon listening on `socket`. */
export function dockerApi(socket: string): DockerApi {
  const request: DockerApi['request'] = (method, path, body, headers = {}) =>
    new Promise((resolve, reject) => {
      const req = httpRequest(
        { socketPath: socket, method, path, headers: { Host: 'docker', ...headers } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }),
          );
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      if (body === undefined) req.end();
      else if (Buffer.isBuffer(body)) req.end(body);
      else {
        body.on('error', (error) => req.destroy(error));
        body.pipe(req);
      }
    });
  return {
    socket,
    request,
    async containers() {
      const { status, body } = await request('GET', '/containers/json?all=1');
      if (status !== 200) throw new Error(`GET /containers/json: HTTP ${status} ${body}`);
      return (JSON.parse(body.toString()) as { Id: string }[]).map((c) => c.Id);
    },
    async containersCreated(since, until) {
      // An `until` not in the future makes the daemon answer at once instead of streaming.
      const query = new URLSearchParams({
        since: unixTime(since),
        until: unixTime(until),
        filters: JSON.stringify({ type: ['container'], event: ['create'] }),
      });
      const { status, body } = await request('GET', `/events?${query}`);
      if (status !== 200) throw new Error(`GET /events: HTTP ${status} ${body}`);
      return body
        .toString()
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => (JSON.parse(line) as { id: string }).id);
    },
  };
}

/** `seconds.nanoseconds`: the Engine API's timestamps, to the millisecond here. */
function unixTime(at: Date): string {
  const ms = at.getTime();
  return `${Math.floor(ms / 1000)}.${String((ms % 1000) * 1_000_000).padStart(9, '0')}`;
}
