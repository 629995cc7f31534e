import { closest, distance } from 'fastest-levenshtein';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { ErrorDetail } from '../../core/errors/index.js';
import { CONFIG_KEYS, type ConfigKey } from './settings.js';

/** A config file's path and text (the caller reads it; resolving stays pure). */
export interface ConfigFileInput {
  /** Where the file was read from (named in errors). */
  readonly path: string;
  /** The file's YAML text. */
  readonly text: string;
}

/** Most edits between a misspelt key and the key suggested for it (after case, `-` and `_` are ignored). */
const MAX_SUGGESTION_EDITS = 2;

/**
 * The settings a `gluon.yaml` holds, by key. Problems (not YAML, not a mapping, unknown
 * keys with a suggestion) are added to `problems`; what can be read is still returned.
 */
export function readConfigFile(file: ConfigFileInput, problems: ErrorDetail[]): Readonly<Record<string, unknown>> {
  let data: unknown;
  try {
    data = parseYaml(file.text, { logLevel: 'error' });
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos !== undefined ? `:${err.linePos[0].line}:${err.linePos[0].col}` : '';
    const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
    problems.push({ field: 'config', rule: 'yaml', value: file.path, message: `Config file ${file.path}${where} is not valid YAML: ${reason}` });
    return {};
  }
  if (data === null || data === undefined) return {};
  if (typeof data !== 'object' || Array.isArray(data)) {
    problems.push({
      field: 'config',
      rule: 'type',
      value: data,
      message: `Config file ${file.path} must be a YAML mapping of settings (${CONFIG_KEYS.join(', ')}), not ${Array.isArray(data) ? 'a list' : typeof data}.`,
    });
    return {};
  }
  const record = data as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!(CONFIG_KEYS as readonly string[]).includes(key)) problems.push(unknownKey(file, key, record[key]));
  }
  return record;
}

function unknownKey(file: ConfigFileInput, key: string, value: unknown): ErrorDetail {
  const hint = suggestKey(key);
  return {
    field: key,
    rule: 'unknown-key',
    value,
    allowed: CONFIG_KEYS,
    message:
      `Unknown key "${key}" in config file ${file.path}${hint === undefined ? '' : ` (did you mean "${hint}"?)`}: ` +
      `allowed keys are ${CONFIG_KEYS.join(', ')}.`,
  };
}

/** `bind_timeout_ms` → `bindtimeoutms`: keys compared without case, dashes or underscores. */
function comparable(key: string): string {
  return key.toLowerCase().replace(/[-_]/g, '');
}

/** The setting closest to a misspelt key, when it is a few edits away. */
function suggestKey(key: string): ConfigKey | undefined {
  const wanted = comparable(key);
  const candidates = CONFIG_KEYS.map(comparable);
  const best = closest(wanted, candidates);
  if (distance(wanted, best) > MAX_SUGGESTION_EDITS) return undefined;
  return CONFIG_KEYS[candidates.indexOf(best)];
}
