import { readFileSync } from 'node:fs';
import path from 'node:path';
import { type DockerDaemon, startDocker } from '../docker/daemon.js';
import type { LambdaArchitecture } from '../lambda-image/architectures.js';
import { ensureLambdaImage } from '../lambda-image/image.js';
import { repoRoot } from '../paths.js';
import { FUNCTION_ID, TEMPLATE } from './cli.js';

/** A Docker daemon with the offline image for the template's function, ready for the SAM CLI. */
export interface SamEnvironment {
  docker: DockerDaemon;
  /** `--invoke-image` value. */
  image: string;
  /** The function's architecture, as the template says. */
  architecture: LambdaArchitecture;
  /** Stops the daemon; resolves with the containers that were still there (should be none). */
  stop(): Promise<string[]>;
}

/**
 * Starts a daemon of its own and imports the image of the architecture the synthesized
 * template gives the function (so what runs is what deploys: arm64 by default, emulated on
 * x86_64 machines). `npm run synth` must have written the template.
 */
export async function startSamEnvironment(
  say: (line: string) => void = () => undefined,
): Promise<SamEnvironment> {
  const architecture = templateArchitecture();
  const docker = await startDocker();
  try {
    say(`dockerd ${docker.pid} at ${docker.host}`);
    const image = await ensureLambdaImage(docker, architecture, say);
    return { docker, image, architecture, stop: () => docker.stop() };
  } catch (error) {
    await docker.stop();
    throw error;
  }
}

/** `Architectures` of the function in the synthesized template. */
export function templateArchitecture(): LambdaArchitecture {
  const file = path.join(repoRoot(), TEMPLATE);
  let template: { Resources?: Record<string, { Properties?: { Architectures?: string[] } }> };
  try {
    template = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new Error(
      `Cannot read ${TEMPLATE} (run npm run synth first): ${(error as Error).message}`,
    );
  }
  const [arch = 'x86_64'] = template.Resources?.[FUNCTION_ID]?.Properties?.Architectures ?? [];
  if (arch !== 'arm64' && arch !== 'x86_64')
    throw new Error(`${TEMPLATE}: unknown architecture ${arch}`);
  return arch;
}
