import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

const BINFMT = '/proc/sys/fs/binfmt_misc';
const ENTRY = `${BINFMT}/qemu-aarch64`;
/** Installed by Debian's qemu-user-static: the registration line for arm64 ELF binaries. */
const DEBIAN_RULE = '/usr/lib/binfmt.d/qemu-aarch64.conf';

/**
 * Makes arm64 Linux binaries run on this machine, so containers of the arm64 function (the
 * architecture the stack deploys) run as they are: nothing on an arm64 host; elsewhere the
 * kernel's binfmt_misc hands arm64 ELF files to Debian's `qemu-aarch64-static`. The rule needs
 * the F flag (the kernel opens the interpreter when it is registered), because inside a
 * container the host's /usr/libexec/qemu-binfmt is not there.
 *
 * Registering needs root; the rule is machine-wide and left in place (as binfmt-support would
 * at boot), and another run that finds it uses it. Resolves with how arm64 runs here.
 */
export async function ensureArm64Emulation(): Promise<'native' | 'qemu'> {
  if (os.arch() === 'arm64') return 'native';
  if (!existsSync(`${BINFMT}/register`)) {
    await execFileAsync('mount', ['-t', 'binfmt_misc', 'binfmt_misc', BINFMT]).catch(
      (error: Error) => {
        throw new Error(`Cannot mount binfmt_misc on ${BINFMT} (run as root): ${error.message}`);
      },
    );
  }
  if (!existsSync(ENTRY)) {
    if (!existsSync(DEBIAN_RULE)) {
      throw new Error(
        `arm64 emulation is not set up and ${DEBIAN_RULE} is missing: apt-get install qemu-user-static`,
      );
    }
    const rule = (await readFile(DEBIAN_RULE, 'utf8')).trim();
    // Another process may register it between the check and the write: then it exists.
    await writeFile(`${BINFMT}/register`, rule).catch((error: Error) => {
      if (!existsSync(ENTRY)) throw error;
    });
  }
  const entry = await readFile(ENTRY, 'utf8');
  const flags = /^flags: *(\S*)$/m.exec(entry)?.[1] ?? '';
  if (!entry.startsWith('enabled') || !flags.includes('F')) {
    throw new Error(
      `${ENTRY} is registered but ${entry.startsWith('enabled') ? `without the F flag (flags: ${flags})` : 'disabled'}: ` +
        'arm64 programs in containers cannot find qemu. Remove it (echo -1 > the entry) and run again',
    );
  }
  return 'qemu';
}
