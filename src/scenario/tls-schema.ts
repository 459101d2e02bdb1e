/**
 * The scenario's `tls` object as written, in its own module so `observe[i].tls` (observe-schema.ts,
 * which schema.ts imports) takes the same keys and rules without an import cycle.
 */
import { z } from 'zod';
import { expecting } from './schema-text.js';

const TLS_PATH_TEXT = 'a file path (relative to the scenario file)';

function nonEmptyString(what: string): z.ZodString {
  return z.string(expecting(what)).min(1, expecting(what));
}

export const tlsSchema = z.strictObject(
  {
    ca: nonEmptyString(TLS_PATH_TEXT)
      .optional()
      .describe('PEM CA bundle to trust instead of the default store (relative to the scenario file).'),
    insecure: z
      .boolean(expecting('true or false'))
      .default(false)
      .describe('Skip certificate verification (like curl -k); flagged in the summary and report.'),
    servername: nonEmptyString('a host name').optional().describe('SNI and certificate name to check; defaults to the URL host.'),
    cert: nonEmptyString(TLS_PATH_TEXT).optional().describe('Client certificate (PEM) for mutual TLS; requires key.'),
    key: nonEmptyString(TLS_PATH_TEXT).optional().describe('Client private key (PEM) for mutual TLS; requires cert.'),
  },
  expecting('an object like {"ca": "certs/ca.pem"}'),
);
