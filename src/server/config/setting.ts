/** The JSON Schema of one setting's value, as Ajv checks it (after the text of a flag or variable is read). */
export type SettingSchema =
  | { readonly type: 'integer'; readonly minimum: number; readonly maximum: number }
  | { readonly type: 'string'; readonly enum: readonly string[] }
  | { readonly type: 'string'; readonly minLength?: number; readonly pattern?: string; readonly format?: SettingFormat }
  | {
      readonly type: 'array';
      readonly minItems: number;
      readonly items: { readonly type: 'string'; readonly minLength?: number; readonly format?: SettingFormat };
    };

/** The value formats the settings' schemas may name (registered on the settings' Ajv instance). */
export type SettingFormat = 'listen-host' | 'http-url' | 'database-url';

/** How a setting appears on the command line. */
export interface SettingFlag {
  /** The flag, e.g. `--port`. */
  readonly name: string;
  /** Its argument as `--help` shows it, e.g. `<number>`. */
  readonly arg: string;
  /** One line for `--help` (the default is appended when the setting has one). */
  readonly help: string;
}

/** What `docs/configuration.md` says of a setting (Markdown). */
export interface SettingDoc {
  /** The Default cell when the setting has no `default` value, or a note that replaces it. */
  readonly default?: string;
  /** The "Allowed values" cell. */
  readonly allowed: string;
}

/** A check of a value beyond its schema. */
export interface SettingRefinement {
  /** The rule's name in error details, e.g. `directory`. */
  readonly rule: string;
  /** The problem (`must …`, or what is wrong and how to fix it), or undefined when the value is fine. */
  readonly check: (value: never) => string | undefined;
}

/** Another setting's value that makes this one required, e.g. `authStrategy` = `keystone`. */
export interface SettingRequirement {
  /** The setting whose value decides. */
  readonly setting: string;
  /** The value that makes this setting required. */
  readonly value: string;
}

/** What every setting declares, secret or not. */
interface SettingDeclarationBase {
  /** The schema of the value. */
  readonly schema: SettingSchema;
  /** The environment variable (`GLUON_…`). */
  readonly env: string;
  /** The value used when no source gives one. */
  readonly default?: string | number;
  /** What the value must be, as error messages say it: `must be …`. */
  readonly expects: string;
  /** Paths given in `gluon.yaml` are relative to the file's directory. */
  readonly pathFromFile?: boolean;
  /** Rewrites a text value (or each list item) before it is checked, e.g. drops a trailing `/`. */
  readonly normalize?: (text: string) => string;
  /** A check the schema cannot say (the file system, a relation inside the value), run once the schema holds. */
  readonly refine?: SettingRefinement;
  /** Required when another setting has this value. */
  readonly requiredWhen?: SettingRequirement;
  /** What `docs/configuration.md` says of it. */
  readonly doc: SettingDoc;
}

/** A setting that may be shown: it may have a command-line flag. */
export interface PublicSettingDeclaration extends SettingDeclarationBase {
  /** The command-line flag; absent: environment and `gluon.yaml` only. */
  readonly flag?: SettingFlag;
  /** Not a secret. */
  readonly secret?: false;
}

/**
 * A secret (a password, a token): never echoed (error messages and the settings echo
 * show `***`), never a command-line flag (`ps` would show it), and readable from a file
 * named by `<env>_FILE` (e.g. `GLUON_KEYSTONE_PASSWORD_FILE`) as well as from `<env>`
 * and `gluon.yaml`.
 */
export interface SecretSettingDeclaration extends SettingDeclarationBase {
  /** A secret has no flag. */
  readonly flag?: never;
  /** Marks the setting secret. */
  readonly secret: true;
}

/**
 * One setting, declared once: everything the flags, the environment variables, the
 * `gluon.yaml` keys, the defaults, the validation and the settings table of
 * `docs/configuration.md` are derived from.
 */
export type SettingDeclaration = PublicSettingDeclaration | SecretSettingDeclaration;

/** The variable naming a file that holds a secret setting's value: `<env>_FILE`. */
export function secretFileVariable(setting: Pick<SettingDeclaration, 'env'>): string {
  return `${setting.env}_FILE`;
}

/** The TypeScript type of a setting's value, from its schema. */
export type SettingValue<TDeclaration extends SettingDeclaration> = TDeclaration['schema'] extends { readonly enum: readonly (infer TChoice)[] }
  ? TChoice
  : TDeclaration['schema'] extends { readonly type: 'integer' }
    ? number
    : TDeclaration['schema'] extends { readonly type: 'array' }
      ? readonly string[]
      : string;
