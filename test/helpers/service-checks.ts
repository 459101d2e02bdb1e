/**
 * What a test against the service target checks after a run that should have lost nothing: every
 * publish wsload sent reached the service, none failed, and every expected copy was delivered to
 * a socket of its topic.
 */
import { expect } from 'vitest';
import type { Report } from '../../dist/run/report.js';
import { expectDeliveredExactly } from './books.js';
import type { ServiceTarget } from './service-target.js';

/** `sent` publishes sent, answered and pushed by the service; every expected copy delivered once (expectDeliveredExactly). */
export function expectEveryPublishDelivered(report: Report, service: ServiceTarget, sent: number): void {
  expect(report.publish.sent).toBe(sent);
  expect(service.publishes()).toBe(sent);
  expectDeliveredExactly(report);
}
