import { Command, Option } from 'commander';
import { PolicyEngine, parsePolicyFile, readPolicyFile, type EffectiveRule } from '../../core/auth/index.js';
import { isGluonError } from '../../core/errors/index.js';
import { loadModels } from '../../core/model/index.js';
import { bundledModelsDir } from '../../server/index.js';

/** Where `gluon policy list` writes. */
export interface PolicyListIo {
  out(line: string): void;
  err(line: string): void;
}

const consoleIo: PolicyListIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** Options of {@link runPolicyList}. */
export interface PolicyListOptions {
  readonly models?: readonly string[];
  readonly policyFile?: string;
  readonly json?: boolean;
}

/**
 * Prints the effective policy rules (name, check string, source: base, model or file)
 * for the models and the optional policy file. Returns the exit code (0, or 1 on error).
 */
export async function runPolicyList(options: PolicyListOptions, io: PolicyListIo = consoleIo): Promise<number> {
  let rules: EffectiveRule[];
  let unknown: readonly string[];
  try {
    const models = await loadModels(options.models !== undefined && options.models.length > 0 ? options.models : [bundledModelsDir()]);
    const overrides = options.policyFile === undefined ? undefined : parsePolicyFile(await readPolicyFile(options.policyFile), options.policyFile);
    const engine = PolicyEngine.create({
      models,
      ...(overrides === undefined ? {} : { overrides }),
      ...(options.policyFile === undefined ? {} : { overridesOrigin: options.policyFile }),
    });
    rules = engine.list();
    unknown = engine.unknownOverrides;
  } catch (err) {
    io.err(`gluon policy list: ${isGluonError(err) ? `${err.message} [${err.code}]` : err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
  if (options.json === true) {
    io.out(JSON.stringify(rules, null, 2));
  } else {
    const width = Math.max(...rules.map((r) => r.name.length));
    for (const rule of rules) io.out(`${rule.name.padEnd(width)}  ${rule.source.padEnd(5)}  ${rule.check === '' ? '""' : rule.check}`);
  }
  for (const name of unknown) io.err(`warning: the policy file defines "${name}", which no base rule or model object uses (typo?)`);
  return 0;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), ...value.split(',').filter((v) => v !== '')];
}

/** `gluon policy list`. */
export function policyCommand(): Command {
  const policy = new Command('policy').description('Inspect the authorization policy.');
  policy
    .command('list')
    .description('Print the effective policy rules: name, source (base, model, file) and check string.')
    .addOption(new Option('--models <paths>', 'model files or directories, comma-separated or repeated (default: the bundled models/)').argParser(collect))
    .addOption(new Option('--policy-file <file>', 'policy file (YAML or JSON) overriding the rules').env('GLUON_POLICY_FILE'))
    .option('--json', 'print JSON')
    .action(async (opts: { models?: string[]; policyFile?: string; json?: boolean }) => {
      process.exitCode = await runPolicyList({
        ...(opts.models === undefined ? {} : { models: opts.models }),
        ...(opts.policyFile === undefined ? {} : { policyFile: opts.policyFile }),
        ...(opts.json === undefined ? {} : { json: opts.json }),
      });
    });
  return policy;
}
