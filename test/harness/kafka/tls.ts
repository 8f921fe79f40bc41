import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

/** TLS material of one test broker, all files inside its temp dir. */
export interface BrokerTls {
  /** PEM of the self-signed CA that signed the broker certificate; give it to clients. */
  caPem: string;
  /** PKCS#12 keystore with the broker key and its chain (`ssl.keystore.type=PKCS12`). */
  keystore: string;
  /** Password of {@link keystore} (random per broker). */
  keystorePassword: string;
}

/**
 * Creates a throwaway CA and a broker certificate valid for `127.0.0.1` and `localhost`.
 *
 * openssl rather than keytool because the CA must also exist as PEM for Node clients.
 * EC P-256 keys because they are generated in milliseconds, unlike RSA.
 */
export async function generateBrokerTls(dir: string): Promise<BrokerTls> {
  await mkdir(dir, { recursive: true });
  const f = (name: string): string => path.join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  await openssl([
    'req',
    '-x509',
    ...ec,
    '-keyout',
    f('ca.key'),
    '-out',
    f('ca.pem'),
    '-days',
    '30',
    '-subj',
    '/CN=kafka-test-harness-ca',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await openssl([
    'req',
    ...ec,
    '-keyout',
    f('broker.key'),
    '-out',
    f('broker.csr'),
    '-subj',
    '/CN=localhost',
  ]);
  // Both names: Java clients check the IP they dial, Node clients can send SNI 'localhost'.
  await writeFile(
    f('broker.ext'),
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth,clientAuth',
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '',
    ].join('\n'),
  );
  await openssl([
    'x509',
    '-req',
    '-in',
    f('broker.csr'),
    '-CA',
    f('ca.pem'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-out',
    f('broker.pem'),
    '-days',
    '30',
    '-extfile',
    f('broker.ext'),
  ]);
  const keystorePassword = randomBytes(12).toString('hex');
  await openssl([
    'pkcs12',
    '-export',
    '-in',
    f('broker.pem'),
    '-inkey',
    f('broker.key'),
    '-certfile',
    f('ca.pem'),
    '-name',
    'broker',
    '-out',
    f('broker.p12'),
    '-passout',
    `pass:${keystorePassword}`,
  ]);
  return { caPem: f('ca.pem'), keystore: f('broker.p12'), keystorePassword };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await execFileAsync('openssl', args);
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`openssl ${args[0]} failed: ${e.message}\n${e.stderr ?? ''}`);
  }
}
