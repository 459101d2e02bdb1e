/**
 * What a test against the service target checks after a run that should have lost nothing: every
 * publish wsload sent reached the service, none failed, and every expected copy was delivered to
 * a socket of its topic.
 */
import { expect } from 'vitest';
import type { Report } from '../../dist/run/report.js';
import type { ServiceTarget } from './service-target.js';

/** `sent` publishes sent, answered and pushed by the service; every expected copy delivered, none lost or misrouted. */
export function expectEveryPublishDelivered(report: Report, service: ServiceTarget, sent: number): void {
  expect(report.publish.failed).toBe(0);
  expect(report.publish.sent).toBe(sent);
  expect(service.publishes()).toBe(sent);
  const f = report.fanout;
  expect(f.lost).toBe(0);
  expect(f.misrouted ?? 0).toBe(0);
  expect(f.delivered).toBe(f.expected);
}
