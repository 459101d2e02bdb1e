/**
 * The scenario's `observe` key as written: Prometheus endpoints of the gateway or the service that
 * the driver scrapes every report interval (src/driver/observe-scraper.ts; docs/observe.md).
 */
import { z } from 'zod';
import { parseSelector, SERIES_NAME } from '../metrics/observe/select.js';
import { parsePerHour } from '../metrics/observe/units.js';
import { OBSERVE_FORMATS } from '../run/scenario.js';
import { expecting } from './schema-text.js';
import { tlsSchema } from './tls-schema.js';

const NAME_TEXT = 'a name of letters, digits and "_" (used in thresholds as observe.<name>.<series>)';
export const OBSERVE_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const URL_TEXT = 'an http:// or https:// URL like "http://127.0.0.1:8405/metrics"';
const DURATION = /^(?:\d+(?:\.\d+)?(?:ms|s|m|h|d))+$/;

const selectorText = z
  .string(expecting('a series selector like \'haproxy_frontend_current_sessions{proxy="ws"}\''))
  .superRefine((s, ctx) => {
    const p = parseSelector(s);
    if ('error' in p) ctx.addIssue({ code: 'custom', message: p.error, input: s });
  });

const seriesObject = z.strictObject(
  {
    match: selectorText.describe(
      'The selector: a metric name with optional label matchers (`=`, `!=`, `=~`, `!~`); the samples it matches are summed into one series.',
    ),
    as: z
      .string(expecting('a series name ([a-zA-Z_:][a-zA-Z0-9_:]*)'))
      .regex(SERIES_NAME, expecting('a series name ([a-zA-Z_:][a-zA-Z0-9_:]*)'))
      .optional()
      .describe('The series name in the report, timeline and thresholds; default the metric name.'),
    flat: z
      .string(expecting('a growth per hour like "1MB/h"'))
      .refine((s) => typeof parsePerHour(s) === 'number', expecting('a growth per hour like "1MB/h", "500KB/min" or "10/h"'))
      .optional()
      .describe(
        'Growth judged flat by the trend verdict, like `"1MB/h"`; default as `client.memory`: for `_bytes` series 10 MB/h or 2 % of the median per hour, for others 2 % of the median per hour.',
      ),
  },
  expecting('an object like {"match": "process_resident_memory_bytes", "as": "rss"}'),
);

const duration = (what: string) =>
  z.string(expecting(`a duration like "2s" (${what})`)).regex(DURATION, expecting(`a duration like "2s" (${what})`));

export const observeEndpointSchema = z.strictObject(
  {
    name: z
      .string(expecting(NAME_TEXT))
      .regex(OBSERVE_NAME, expecting(NAME_TEXT))
      .max(40, expecting(`${NAME_TEXT}, at most 40 characters`))
      .describe("The endpoint's name: `observe.<name>.<series>` in thresholds and compare."),
    url: z
      .string(expecting(URL_TEXT))
      .refine((s) => {
        try {
          const u = new URL(s);
          return u.protocol === 'http:' || u.protocol === 'https:';
        } catch {
          return false;
        }
      }, expecting(URL_TEXT))
      .describe(
        'The Prometheus text endpoint (Envoy/Istio: `http://<gateway>:15090/stats/prometheus`), or nginx\'s stub_status page with `"format": "nginx-stub-status"`.',
      ),
    format: z
      .enum(OBSERVE_FORMATS, expecting(`one of ${OBSERVE_FORMATS.map((f) => `"${f}"`).join(', ')}`))
      .default('prometheus')
      .describe(
        'How the body is read: `"prometheus"` (the text exposition format), or `"nginx-stub-status"`: nginx\'s `stub_status` page, mapped to nginx-prometheus-exporter\'s series names (`nginx_connections_active`, …; docs/observe.md).',
      ),
    series: z
      .array(
        z.union([selectorText, seriesObject], expecting('a selector string or {"match", "as", "flat"}')),
        expecting('an array of series selectors'),
      )
      .min(1, expecting('a non-empty array of series selectors'))
      .max(64, expecting('at most 64 series selectors'))
      .optional()
      .describe(
        'The series kept: selector strings like `"envoy_http_downstream_cx_active"` or `{"match", "as", "flat"}`. Absent: every series the endpoint exposes, up to 64.',
      ),
    timeout: duration('at most the report interval')
      .default('2s')
      .describe('A scrape not answered whole by then is a counted `timeout` failure.'),
    maxBytes: z
      .number(expecting('bytes, an integer ≥ 1024'))
      .int(expecting('bytes, an integer ≥ 1024'))
      .min(1024, expecting('bytes, an integer ≥ 1024'))
      .max(256 * 1024 * 1024, expecting('bytes, at most 268435456'))
      .default(8 * 1024 * 1024)
      .describe('A body longer than this is a counted `tooLarge` failure (the read stops there). Default 8 MB.'),
    tls: tlsSchema
      .optional()
      .describe(
        "TLS for an `https://` endpoint: the keys of the scenario's `tls` (`ca`, `insecure`, `servername`, `cert`/`key`). Absent: the scenario's `tls`. A scrape that fails the handshake is a counted `tls` failure.",
      ),
    warmUp: duration('left out of the trend after the hold starts')
      .optional()
      .describe("Left out of the trend's fit after the hold starts; default as the client's RSS: the first half of the hold."),
    minWindow: duration('the shortest fitted window that gets a growing/flat call')
      .optional()
      .describe('Shortest judged window (after the warm-up, or the later half of the hold) that gets a growing/flat call; default 20 min.'),
  },
  expecting('an object like {"name": "gateway", "url": "http://127.0.0.1:8405/metrics"}'),
);

export const observeSchema = z
  .array(observeEndpointSchema, expecting('an array of endpoints like [{"name": "gateway", "url": "http://127.0.0.1:8405/metrics"}]'))
  .max(16, expecting('at most 16 endpoints'));
