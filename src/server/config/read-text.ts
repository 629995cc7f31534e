import type { SettingDeclaration } from './setting.js';

/**
 * Turns a raw value (a flag's or variable's text, or what `gluon.yaml` holds) into the
 * shape its schema checks: whole-number text becomes a number, text is trimmed (and
 * lower-cased for a choice), a list may be given comma-separated. Anything that does not
 * fit is returned unchanged, for the schema to reject.
 */
export function readSettingValue(setting: SettingDeclaration, raw: unknown): unknown {
  const { schema } = setting;
  switch (schema.type) {
    case 'integer':
      return typeof raw === 'string' && /^\s*\d+\s*$/.test(raw) ? Number(raw) : raw;
    case 'array':
      return toList(raw)?.map((item) => (typeof item === 'string' ? normalized(setting, item) : item)) ?? raw;
    case 'string':
      if (typeof raw !== 'string') return raw;
      return 'enum' in schema ? raw.trim().toLowerCase() : normalized(setting, raw.trim());
  }
}

function normalized(setting: SettingDeclaration, text: string): string {
  return setting.normalize === undefined ? text : setting.normalize(text);
}

/** A list from an array or a comma-separated string (empty parts dropped); undefined when neither. */
function toList(value: unknown): readonly unknown[] | undefined {
  if (Array.isArray(value)) return value.flatMap((item: unknown) => (typeof item === 'string' ? splitComma(item) : [item]));
  if (typeof value === 'string') return splitComma(value);
  return undefined;
}

function splitComma(value: string): string[] {
  return value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
}
