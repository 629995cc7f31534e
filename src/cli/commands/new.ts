import { copyFile, readFile, readdir } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Command, Option } from 'commander';
import { bundledModelsDir, bundledTemplatesDir } from '../../server/index.js';
import { describeError, EXIT_CONFIG, EXIT_STARTUP } from './exit.js';
import { renderTemplate } from './render-template.js';

/** What `gluon new` can create. */
export const TEMPLATE_KINDS = ['api', 'shim', 'driver', 'server'] as const;
/** One of {@link TEMPLATE_KINDS}. */
export type TemplateKind = (typeof TEMPLATE_KINDS)[number];

/** The rule a new package's name must follow: it becomes the npm name, the folder and (for `api`) the API name. */
export const NEW_NAME_RULE = {
  pattern: /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/,
  maxLength: 50,
  text: 'lowercase letters, digits and single dashes, starting with a letter and not ending with a dash, at most 50 characters (e.g. acme-vpn)',
} as const;

/** Where `gluon new` writes. */
export interface NewIo {
  /** One line of the report (stdout). */
  out(line: string): void;
  /** One line of a problem (stderr). */
  err(line: string): void;
}

/** Options of {@link runNew}. */
export interface RunNewOptions {
  /** Directory of the new package. @default `./<name>` */
  readonly dir?: string;
  /** Where messages go. @default stdout and stderr */
  readonly io?: NewIo;
}

const consoleIo: NewIo = {
  out: (line) => console.log(line),
  err: (line) => console.error(line),
};

/** Files copied from the installed package (not from the template) into a new package, per kind. */
const PACKAGE_FILES: Readonly<Record<TemplateKind, readonly { from: () => string; to: string }[]>> = {
  api: [{ from: () => join(bundledModelsDir(), 'base.yaml'), to: 'models/base.yaml' }],
  shim: [],
  driver: [],
  server: [],
};

/**
 * Why a name cannot name a new package, or undefined when it can.
 */
export function checkNewName(name: string): string | undefined {
  if (name.length > NEW_NAME_RULE.maxLength || !NEW_NAME_RULE.pattern.test(name)) {
    return `Invalid name ${JSON.stringify(name)} (rule package-name): a name is ${NEW_NAME_RULE.text}.`;
  }
  return undefined;
}

/**
 * Creates a new package of the given kind from the templates bundled with gluon-net.
 *
 * @returns the exit code: 0 when created; 2 for a bad kind or name or a target directory
 * that exists and is not empty (nothing is written then).
 * @throws ConfigError `GLUON_ERR_CONFIG` when the installed package has no `templates/`;
 * file system errors (a directory that cannot be written) as they are.
 */
export async function runNew(kind: string, name: string, options: RunNewOptions = {}): Promise<number> {
  const io = options.io ?? consoleIo;
  if (!(TEMPLATE_KINDS as readonly string[]).includes(kind)) {
    io.err(`gluon new: unknown kind ${JSON.stringify(kind)}: expected one of ${TEMPLATE_KINDS.join(', ')}. [GLUON_ERR_CLI_USAGE]`);
    return EXIT_CONFIG;
  }
  const nameProblem = checkNewName(name);
  if (nameProblem !== undefined) {
    io.err(`gluon new: ${nameProblem} [GLUON_ERR_CLI_USAGE]`);
    return EXIT_CONFIG;
  }
  const target = resolve(options.dir ?? name);
  if (!(await isEmptyOrMissing(target))) {
    io.err(`gluon new: ${target} exists and is not empty; choose another name or --dir (nothing was written). [GLUON_ERR_CLI_USAGE]`);
    return EXIT_CONFIG;
  }
  const from = join(bundledTemplatesDir(), kind);
  const written = await renderTemplate({ from, to: target, values: await templateValues(name) });
  for (const file of PACKAGE_FILES[kind as TemplateKind]) {
    await copyFile(file.from(), join(target, file.to));
    written.push(file.to);
  }
  io.out(`created ${kind} package ${name} in ${target}:`);
  for (const file of written.sort()) io.out(`  ${file}`);
  io.out(`next: cd ${target} && npm install && npm test (its README says more)`);
  return 0;
}

/** `{{name}}`, `{{Name}}` (PascalCase), `{{gluonNetVersion}}` and `{{dep:<package>}}` (gluon-net's own version range of a dependency). */
async function templateValues(name: string): Promise<Record<string, string>> {
  const manifest = JSON.parse(await readFile(join(dirname(bundledTemplatesDir()), 'package.json'), 'utf8')) as {
    version: string;
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
  };
  const values: Record<string, string> = {
    name,
    Name: name.split('-').map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join(''),
    gluonNetVersion: manifest.version,
  };
  for (const [dep, range] of Object.entries({ ...manifest.devDependencies, ...manifest.dependencies })) values[`dep:${dep}`] = range;
  return values;
}

async function isEmptyOrMissing(dir: string): Promise<boolean> {
  try {
    return (await readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/** `gluon new api|shim|driver|server <name> [--dir <path>]`. */
export function newCommand(): Command {
  return new Command('new')
    .description('create a package from a template: an API (model + test), a shim, a backend driver or a server embedding gluon-net')
    .addArgument(new Command().createArgument('<kind>', `what to create: ${TEMPLATE_KINDS.join(', ')}`).choices(TEMPLATE_KINDS))
    .argument('<name>', `the package name (${NEW_NAME_RULE.text})`)
    .addOption(new Option('--dir <path>', 'directory of the new package (default: ./<name>); must be missing or empty'))
    .action(async (kind: string, name: string, opts: { dir?: string }) => {
      try {
        process.exitCode = await runNew(kind, name, opts.dir === undefined ? {} : { dir: opts.dir });
      } catch (err) {
        console.error(`gluon new: ${describeError(err)}`);
        process.exitCode = EXIT_STARTUP;
      }
    });
}
