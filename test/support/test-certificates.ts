/**
 * A throwaway certificate authority and a server certificate for 127.0.0.1/localhost, made with
 * `openssl` in a temporary directory at test time (never committed), for TLS tests.
 *
 * @module
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The files {@link makeTestCertificates} wrote, and the CA's PEM for clients. */
export interface TestCertificates {
  /** The directory holding everything (remove it with {@link TestCertificates.remove}). */
  readonly dir: string;
  /** The CA certificate file (PEM): what clients trust. */
  readonly caFile: string;
  /** The server certificate file (PEM), for 127.0.0.1, ::1 and localhost, signed by the CA. */
  readonly certFile: string;
  /** The server's private key file (PEM). */
  readonly keyFile: string;
  /** The CA certificate's contents. */
  readonly ca: Buffer;
  /** Deletes the directory. */
  remove(): void;
}

/**
 * Makes a CA (EC P-256, one day) and a server certificate it signs.
 * @throws when openssl is missing or fails (its stderr in the message)
 */
export function makeTestCertificates(): TestCertificates {
  const dir = mkdtempSync(join(tmpdir(), 'fedscope-tls-'));
  const path = (name: string): string => join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
  };
  const ecKey = (name: string): void => openssl('ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', path(name));
  ecKey('ca.key');
  openssl('req', '-x509', '-new', '-key', path('ca.key'), '-days', '1', '-subj', '/CN=fedscope test CA', '-out', path('ca.pem'));
  ecKey('server.key');
  openssl('req', '-new', '-key', path('server.key'), '-subj', '/CN=127.0.0.1', '-out', path('server.csr'));
  writeFileSync(
    path('server.ext'),
    'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\nextendedKeyUsage=serverAuth\n',
  );
  openssl(
    'x509',
    '-req',
    '-in',
    path('server.csr'),
    '-CA',
    path('ca.pem'),
    '-CAkey',
    path('ca.key'),
    '-CAcreateserial',
    '-days',
    '1',
    '-extfile',
    path('server.ext'),
    '-out',
    path('server.pem'),
  );
  return {
    dir,
    caFile: path('ca.pem'),
    certFile: path('server.pem'),
    keyFile: path('server.key'),
    ca: readFileSync(path('ca.pem')),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
