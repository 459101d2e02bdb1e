import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { partPath } from './real-parts.js';

/** Paths of every file makeCertificates() writes; all PEM. */
export interface CertificateSet {
  /** Directory holding every file below. */
  dir: string;
  /** DNS name the server certificates are issued for (subjectAltName DNS:name). */
  name: string;
  caCert: string;
  caKey: string;
  /** Server certificate for `name`, signed by the CA, valid now. */
  serverCert: string;
  serverKey: string;
  /** A second CA that signed nothing here: trusting it alone must not validate the server. */
  otherCaCert: string;
  otherCaKey: string;
  /** Server certificate for `name`, signed by the CA, that expired in 2020. */
  expiredCert: string;
  expiredKey: string;
  /** Client certificate (extendedKeyUsage clientAuth) signed by the CA, for mutual TLS. */
  clientCert: string;
  clientKey: string;
}

/** Options for makeCertificates(). */
export interface CertificateOptions {
  /** DNS name for the server certificates, e.g. 'a.aliyun.com'. */
  name: string;
}

// EC P-256 keys are generated in milliseconds, so the whole set costs well under a second.
const KEY_ARGS = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
const OPENSSL_TIMEOUT_MS = 10_000;

function openssl(args: string[], cwd: string): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(partPath('openssl'), args, { cwd, timeout: OPENSSL_TIMEOUT_MS }, (err, _stdout, stderr) => {
      if (err) {
        reject(new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${err.message}\n${stderr}`));
        return;
      }
      resolve();
    });
  });
}

// One private config so the host's /etc/ssl/openssl.cnf (its default x509_extensions, policies)
// cannot change what we issue.
function configText(dir: string, name: string): string {
  return `[req]
distinguished_name = dn
prompt = no

[dn]
CN = unused

[v3_ca]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash

[v3_server]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature, keyEncipherment
extendedKeyUsage = serverAuth
subjectAltName = DNS:${name}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

[v3_client]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid

# Only the expired certificate goes through 'openssl ca': OpenSSL 3.0's req/x509 cannot set a
# notAfter in the past (-not_after arrived in 3.4), 'openssl ca -startdate/-enddate' can.
[ca]
default_ca = test_ca

[test_ca]
database = ${dir}/index.txt
new_certs_dir = ${dir}/issued
serial = ${dir}/serial
default_md = sha256
policy = policy_any
unique_subject = no
copy_extensions = none

[policy_any]
commonName = supplied
`;
}

/** Issue a CA, a server cert for `name`, an unrelated CA, an expired server cert and a client cert with the openssl CLI. */
export async function makeCertificates(dir: string, opts: CertificateOptions): Promise<CertificateSet> {
  const { name } = opts;
  if (!/^[A-Za-z0-9.-]+$/.test(name)) throw new Error(`certificate name must be a DNS name, got ${JSON.stringify(name)}`);
  await mkdir(join(dir, 'issued'), { recursive: true });
  const cnf = join(dir, 'openssl.cnf');
  await writeFile(cnf, configText(dir, name));
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'serial'), '1000\n');

  const set: CertificateSet = {
    dir,
    name,
    caCert: join(dir, 'ca.crt'),
    caKey: join(dir, 'ca.key'),
    serverCert: join(dir, 'server.crt'),
    serverKey: join(dir, 'server.key'),
    otherCaCert: join(dir, 'other-ca.crt'),
    otherCaKey: join(dir, 'other-ca.key'),
    expiredCert: join(dir, 'expired.crt'),
    expiredKey: join(dir, 'expired.key'),
    clientCert: join(dir, 'client.crt'),
    clientKey: join(dir, 'client.key'),
  };

  const selfSignedCa = (cert: string, key: string, cn: string): Promise<void> =>
    openssl(
      [
        'req',
        '-x509',
        '-config',
        cnf,
        '-extensions',
        'v3_ca',
        ...KEY_ARGS,
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        `/CN=${cn}`,
        '-days',
        '30',
      ],
      dir,
    );
  await Promise.all([
    selfSignedCa(set.caCert, set.caKey, 'wsload test CA'),
    selfSignedCa(set.otherCaCert, set.otherCaKey, 'wsload unrelated CA'),
  ]);

  const signedByCa = (cert: string, key: string, cn: string, ext: string): Promise<void> =>
    openssl(
      [
        'req',
        '-x509',
        '-config',
        cnf,
        '-extensions',
        ext,
        ...KEY_ARGS,
        '-keyout',
        key,
        '-out',
        cert,
        '-subj',
        `/CN=${cn}`,
        '-days',
        '30',
        '-CA',
        set.caCert,
        '-CAkey',
        set.caKey,
      ],
      dir,
    );
  const expired = async (): Promise<void> => {
    const csr = join(dir, 'expired.csr');
    await openssl(['req', '-new', '-config', cnf, ...KEY_ARGS, '-keyout', set.expiredKey, '-out', csr, '-subj', `/CN=${name}`], dir);
    await openssl(
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        cnf,
        '-cert',
        set.caCert,
        '-keyfile',
        set.caKey,
        '-in',
        csr,
        '-out',
        set.expiredCert,
        '-extensions',
        'v3_server',
        '-startdate',
        '20200101000000Z',
        '-enddate',
        '20200201000000Z',
      ],
      dir,
    );
  };
  await Promise.all([
    signedByCa(set.serverCert, set.serverKey, name, 'v3_server'),
    signedByCa(set.clientCert, set.clientKey, 'wsload test client', 'v3_client'),
    expired(),
  ]);
  return set;
}
