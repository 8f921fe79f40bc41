// kafkajs ships no types for its internals; only what lambda/reauthentication.ts touches is
// declared. kafkajs is pinned at 2.2.4 (unmaintained), so this shape does not move.
declare module 'kafkajs/src/network/connection.js' {
  /** One socket to one broker; `sessionLifetime` is what its last SaslAuthenticate granted (0: unlimited). */
  class Connection {
    sessionLifetime: { toNumber(): number } | undefined;
    reauthenticationThreshold: number;
  }
  export = Connection;
}
