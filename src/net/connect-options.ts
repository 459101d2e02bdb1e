/**
 * Socket options shared by the WebSocket connections and the publisher: TLS material and the
 * curl --resolve style host mapping. URLs keep their host name (Host header, SNI, certificate
 * check); only the address the socket dials changes.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOneOptions, type LookupAllOptions } from 'node:dns';
import { isIP } from 'node:net';
import { readFileSync } from 'node:fs';
import type { TlsOptions } from '../run/scenario.js';

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;
/** The signature net.connect and http.request accept as `lookup`. */
export type LookupFunction = (hostname: string, options: LookupOneOptions | LookupAllOptions, callback: LookupCallback) => void;

/** A lookup that answers mapped names from `resolve` and everything else from DNS; undefined when nothing is mapped. */
export function lookupFor(resolve: Record<string, string>): LookupFunction | undefined {
  const table = new Map(Object.entries(resolve).map(([host, addr]) => [host.toLowerCase(), addr]));
  if (table.size === 0) return undefined;
  return (hostname, options, callback) => {
    const mapped = table.get(hostname.toLowerCase());
    if (mapped === undefined) {
      dnsLookup(hostname, options as LookupAllOptions, callback as (err: NodeJS.ErrnoException | null, a: LookupAddress[]) => void);
      return;
    }
    const family = isIP(mapped);
    // Node ≥ 20 asks for every address (autoSelectFamily) and then expects an array.
    if ((options as LookupAllOptions).all) callback(null, [{ address: mapped, family }]);
    else callback(null, mapped, family);
  };
}

/** TLS options for tls.connect / https.request, with files read once. */
export interface TlsConnectOptions {
  rejectUnauthorized: boolean;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  servername?: string;
}

/** Reads the scenario's TLS files; verification stays on unless `insecure`. */
export function tlsConnectOptions(tls: TlsOptions): TlsConnectOptions {
  const out: TlsConnectOptions = { rejectUnauthorized: !tls.insecure };
  if (tls.ca) out.ca = readFileSync(tls.ca);
  if (tls.cert) out.cert = readFileSync(tls.cert);
  if (tls.key) out.key = readFileSync(tls.key);
  if (tls.servername) out.servername = tls.servername;
  return out;
}
