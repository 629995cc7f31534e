import { secretFileVariable, type SettingDeclaration } from './setting.js';
import { CONFIG_FILE_SETTING, CONFIG_KEYS, settingOf } from './settings.js';

const HEADER = ['| Setting (`gluon.yaml` key) | Flag | Environment | Default | Allowed values |', '|---|---|---|---|---|'];

function flagCell(setting: SettingDeclaration): string {
  if (setting.flag !== undefined) return `\`${setting.flag.name} ${setting.flag.arg}\``;
  return setting.secret === true ? '(none: never on the command line)' : '(none)';
}

function defaultCell(setting: SettingDeclaration): string {
  if (setting.doc.default !== undefined) return setting.doc.default;
  return setting.default === undefined || setting.default === '' ? 'none' : `\`${String(setting.default)}\``;
}

function envCell(setting: SettingDeclaration): string {
  return setting.secret === true ? `\`${setting.env}\`, or \`${secretFileVariable(setting)}\` naming a file that holds it` : `\`${setting.env}\``;
}

function row(name: string, setting: SettingDeclaration): string {
  return `| ${name} | ${flagCell(setting)} | ${envCell(setting)} | ${defaultCell(setting)} | ${setting.doc.allowed} |`;
}

/**
 * The settings table of docs/configuration.md, generated from the declarations
 * (`npm run docs:config` writes it; a test keeps the page equal to it).
 */
export function renderSettingsTable(): string {
  const rows = CONFIG_KEYS.map((key) => row(`\`${key}\``, settingOf(key)));
  return [...HEADER, ...rows, row('(the file itself)', CONFIG_FILE_SETTING)].join('\n');
}
