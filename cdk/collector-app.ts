import { type App, Tags, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CollectorStack } from './collector-stack.js';
import { appSettingsFromContext } from './context.js';

/**
 * Defines the collector app on `app` from its context, with cdk-nag's AwsSolutions pack as a
 * validation plugin: any finding that is not acknowledged (with its reason) fails the synth.
 * Shared by `cdk/app.ts` and the tests, so the tests check what `cdk synth` produces.
 */
export function defineCollectorApp(app: App): CollectorStack {
  const { stackName, env, tags, collector } = appSettingsFromContext(app.node);
  const stack = new CollectorStack(app, stackName, { env, collector });
  for (const [key, value] of Object.entries(tags)) Tags.of(stack).add(key, value);
  // The acknowledgements are also written into the template's metadata, for auditors who read it.
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app, { verbose: true, writeSuppressionsToCloudFormation: true }),
  );
  return stack;
}
