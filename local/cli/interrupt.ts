/**
 * Ctrl-C handling: the first SIGINT (or SIGTERM) aborts the run, which then stops its
 * generator and pollers, lets invocations in flight finish briefly and stops everything it
 * started; a second one exits at once.
 */
export function abortOnSignals(say: (line: string) => void): AbortController {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) {
      say(`second ${signal}: exiting now`);
      process.exit(130);
    }
    say(`${signal}: stopping cleanly (again to force)…`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}
