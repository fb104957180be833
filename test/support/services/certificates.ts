// Test certificates made with the openssl command line: a CA, and certificates it signs for
// 127.0.0.1 and localhost (a broker) or for a client (mutual TLS). PEM files, unencrypted keys
// in PKCS#8, which both Node and the Kafka broker's PEM key store read.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export interface TestCa {
  /** The CA's certificate (PEM): what a client or a broker trusts. */
  certFile: string;
  keyFile: string;
}

export interface TestCertificate {
  certFile: string;
  keyFile: string;
}

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });

/** A self-signed CA, valid for a day, written as `<name>.pem` and `<name>.key` under dir. */
export function makeCa(dir: string, name: string): TestCa {
  const ca = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
  openssl([
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-noenc',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    '-keyout',
    ca.keyFile,
    '-out',
    ca.certFile,
  ]);
  return ca;
}

/** A certificate signed by the CA for the common name; a server's also names 127.0.0.1 and localhost. */
export function makeCertificate(dir: string, name: string, ca: TestCa, role: 'server' | 'client'): TestCertificate {
  const cert = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}.key`) };
  // Without basicConstraints, `req -x509` would mark the certificate a CA too.
  const extensions = [
    ...['-addext', 'basicConstraints=critical,CA:FALSE'],
    ...(role === 'server'
      ? ['-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-addext', 'extendedKeyUsage=serverAuth']
      : ['-addext', 'extendedKeyUsage=clientAuth']),
  ];
  openssl([
    'req',
    '-x509',
    '-CA',
    ca.certFile,
    '-CAkey',
    ca.keyFile,
    '-newkey',
    'rsa:2048',
    '-noenc',
    '-days',
    '1',
    '-subj',
    `/CN=${name}`,
    ...extensions,
    '-keyout',
    cert.keyFile,
    '-out',
    cert.certFile,
  ]);
  return cert;
}
