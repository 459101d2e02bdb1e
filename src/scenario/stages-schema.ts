/** Load shapes over time: `stages` (open sockets) and `publish.stages` (the publish rate), k6-like. */
import { z } from 'zod';
import { expecting } from './schema-text.js';
import { duration, int } from './schema-fields.js';

const STAGE_TEXT = 'an object like {"duration": "1m", "target": 100}';

/** One stage of a load shape: its target reached linearly over its duration ("0s": a step). */
function stageSchema(target: z.ZodNumber, what: string): z.ZodType<{ duration: string; target: number }> {
  return z.strictObject(
    {
      duration: duration(false).describe('How long the stage takes to move from the previous target to its own ("0s": a step).'),
      target: target.describe(what),
    },
    expecting(STAGE_TEXT),
  );
}

/** Connection stages: open sockets over time (k6's stages). */
export const connectionStagesSchema = z
  .array(
    stageSchema(int(0, 1_000_000), 'Open sockets at the end of the stage.'),
    expecting('a non-empty array of stages like {"duration": "1m", "target": 100}'),
  )
  .min(1, expecting('a non-empty array of stages like {"duration": "1m", "target": 100}'));

const PUBLISH_STAGE_TARGET_TEXT = 'publishes per second, a number ≥ 0 and ≤ 10000';
/** Publish stages: the publish rate over time (k6's ramping-arrival-rate). */
export const publishStagesSchema = z
  .array(
    stageSchema(
      z
        .number(expecting(PUBLISH_STAGE_TARGET_TEXT))
        .min(0, expecting(PUBLISH_STAGE_TARGET_TEXT))
        .max(10_000, expecting(PUBLISH_STAGE_TARGET_TEXT)),
      'Publishes per second at the end of the stage.',
    ),
    expecting('a non-empty array of stages like {"duration": "1m", "target": 50}'),
  )
  .min(1, expecting('a non-empty array of stages like {"duration": "1m", "target": 50}'));
