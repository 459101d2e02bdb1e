/** The scenario override flags on a commander command: declared once in OVERRIDE_FLAGS, offered by run and validate alike. */
import type { Command } from 'commander';
import type { ScenarioOverrides } from '../scenario/overrides.js';
import { OVERRIDE_FLAGS } from '../scenario/override-flags.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** Adds every override flag to `cmd`; repeatable ones (--resolve, --header, --subprotocol) collect a list. */
export function addOverrideOptions(cmd: Command): Command {
  for (const flag of OVERRIDE_FLAGS) {
    if (flag.kind === 'list') cmd.option(flag.flags, flag.description, collect);
    else cmd.option(flag.flags, flag.description);
  }
  return cmd;
}

/** The override values among a command's parsed options, each checked to have its flag's shape. */
export function overridesFromFlags(flags: ScenarioOverrides): ScenarioOverrides {
  const out: ScenarioOverrides = {};
  for (const flag of OVERRIDE_FLAGS) {
    const v: unknown = flags[flag.key];
    if (flag.kind === 'value' && typeof v === 'string') out[flag.key] = v;
    else if (flag.kind === 'switch' && v === true) out[flag.key] = true;
    else if (flag.kind === 'list' && Array.isArray(v)) out[flag.key] = v.filter((x): x is string => typeof x === 'string');
  }
  return out;
}
