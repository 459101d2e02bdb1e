/**
 * The report file (JSON), formatVersion 1. Every type here is inferred from the one zod schema in
 * run/report-schema.ts (field documentation lives there, as `.describe()`, and reaches
 * schema/report.schema.json); bump REPORT_FORMAT_VERSION on any incompatible change.
 * Latencies are milliseconds as floats; histograms record integer microseconds.
 */
import type { z } from 'zod';
import type {
  censoredFanoutSchema,
  closeCauseSchema,
  hostCpuSchema,
  memoryTrendSchema,
  connectFailureReasonSchema,
  disconnectStatsSchema,
  dropEventSchema,
  idleTimeoutSchema,
  idleTimeoutScreeningSchema,
  mergeInfoSchema,
  percentileSetSchema,
  reconnectStatsSchema,
  reportIntervalsSchema,
  reportSchema,
  shardSchema,
  streamStatsSchema,
  thresholdResultSchema,
  timelineLineSchema,
  topicStatsSchema,
  cohortFanoutSchema,
  workerHealthSchema,
} from './report-schema.js';
import type { trendReasonSchema } from './observe-schema.js';

export const REPORT_FORMAT_VERSION = 1;

/** A wsload run report (formatVersion 1). */
export type Report = z.infer<typeof reportSchema>;
/** Summary of one histogram, in milliseconds. count = 0 gives zeros everywhere. */
export type PercentileSet = z.infer<typeof percentileSetSchema>;
/** Why a handshake failed (`http-<status>` when the server answered the upgrade with another status). */
export type ConnectFailureReason = z.infer<typeof connectFailureReasonSchema>;
/** Who ended a socket. */
export type CloseCause = z.infer<typeof closeCauseSchema>;
/** Closes of the run or of one cohort: counts by code, cause and error, and their timing histograms. */
export type DisconnectStats = z.infer<typeof disconnectStatsSchema>;
/** A gateway idle timeout read off the idle-at-close distribution. */
export type IdleTimeoutEstimate = z.infer<typeof idleTimeoutSchema>;
/** Closes that came together in wall-clock time (a restart, a rollout, a mass drop). */
export type DropEvent = z.infer<typeof dropEventSchema>;
/** Why a cohort's closes were or were not taken as idle-timeout samples. */
export type IdleTimeoutScreening = z.infer<typeof idleTimeoutScreeningSchema>;
/** Reconnects of the run or of one cohort. */
export type ReconnectStats = z.infer<typeof reconnectStatsSchema>;
/** Health of one worker thread. */
export type WorkerHealth = z.infer<typeof workerHealthSchema>;
/** One process of a spread run. */
export type ShardReport = z.infer<typeof shardSchema>;
/** What a server-originated stream delivered (publish.source "server"). */
export type StreamStats = z.infer<typeof streamStatsSchema>;
/** One evaluated threshold. */
export type ThresholdResult = z.infer<typeof thresholdResultSchema>;
/** Latency histograms per block of time: block i covers [i·blockMs, (i+1)·blockMs) after startedAt. */
export type ReportIntervals = z.infer<typeof reportIntervalsSchema>;
/** Set on a merged report: how many runs, whether they overlapped, which figures are exact. */
export type MergeInfo = z.infer<typeof mergeInfoSchema>;
/** One line of the .ndjson timeline, written every report interval. */
export type TimelineLine = z.infer<typeof timelineLineSchema>;

/** Fan-out over every expected delivery, lost and never-sent ones censored. */
export type CensoredFanout = z.infer<typeof censoredFanoutSchema>;
/** CPU of this machine during the hold: how busy, and who used it. */
export type HostCpu = z.infer<typeof hostCpuSchema>;
/** The client's RSS slope after the warm-up, and whether it was flat. */
export type MemoryTrend = z.infer<typeof memoryTrendSchema>;
/** Why a trend (client.memory, an observed gauge's) made no call. */
export type TrendReason = z.infer<typeof trendReasonSchema>;

/** One topic's fan-out (fanout.byTopic[topic]). */
export type TopicStats = z.infer<typeof topicStatsSchema>;
/** One cohort's fan-out (fanout.byCohort[cohort]). */
export type CohortFanout = z.infer<typeof cohortFanoutSchema>;
