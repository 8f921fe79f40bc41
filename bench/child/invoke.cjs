// Runs in a fresh process, as a Lambda cold start: loads the bundle (the environment is set
// by the parent), then invokes it with the event file twice. Prints timings and memory as JSON.
// usage: node invoke.cjs <bundle> <event.json> [--no-invoke]
const { readFileSync } = require('node:fs');

const [bundle, eventFile, flag] = process.argv.slice(2);
const context = () => {
  const deadline = Date.now() + 60_000;
  return { getRemainingTimeInMillis: () => deadline - Date.now() };
};

async function main() {
  const t0 = performance.now();
  const { handler } = require(bundle);
  const loadMs = performance.now() - t0;
  const rssAfterLoad = process.memoryUsage().rss;
  if (flag === '--no-invoke') return { loadMs, rssAfterLoad };
  // The runtime hands the payload over as text and parses it: count that in.
  const text = readFileSync(eventFile, 'utf8');
  const t1 = performance.now();
  const first = await handler(JSON.parse(text), context());
  const firstMs = performance.now() - t1;
  const t2 = performance.now();
  const second = await handler(JSON.parse(text), context());
  const secondMs = performance.now() - t2;
  const failures = first.batchItemFailures.length + second.batchItemFailures.length;
  return {
    loadMs,
    firstMs,
    secondMs,
    failures,
    rssAfterLoad,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
  };
}

main().then(
  (result) => {
    process.stdout.write(`${JSON.stringify(result)}\n`);
    process.exit(0);
  },
  (error) => {
    process.stderr.write(`${error.stack}\n`);
    process.exit(1);
  },
);
