import { Command, Option } from 'commander';
import { GluonError } from '../../core/errors/index.js';
import { describeObject } from './describe.js';
import type { AttributeSchema, Catalog, Resource } from './discovery.js';
import { parseAttributeValue, valueHint } from './flags.js';
import { ServerFault, type ClientHttp } from './http.js';
import { formatList, formatOne, type OutputOptions } from './output.js';
import { watchCollection } from './watch.js';

/** What the resource commands need at run time. */
export interface ClientContext {
  readonly http: ClientHttp;
  readonly catalog: Catalog;
  readonly output: OutputOptions;
  /** Writes one block of output (a newline is added). */
  readonly print: (text: string) => void;
  /** Aborts a `--watch` (Ctrl-C). */
  readonly signal?: AbortSignal;
}

type Obj = Record<string, unknown>;

/** Flag name of an attribute: `mac_address` → `--mac-address` (the `--mac_address` spelling is accepted too). */
export function flagName(attribute: string): string {
  return attribute.replace(/_/g, '-');
}

function attributeOptions(command: Command, attributes: Readonly<Record<string, AttributeSchema>>, required: readonly string[]): void {
  for (const [name, schema] of Object.entries(attributes)) {
    if (schema.readOnly === true) continue;
    const option = new Option(`--${flagName(name)} ${valueHint(schema)}`, `${schema.description ?? name}${required.includes(name) ? ' (required)' : ''}`);
    option.attributeName = () => name;
    option.argParser((text: string) => parseAttributeValue(name, schema, text));
    command.addOption(option);
  }
}

function bodyOf(command: Command, attributes: Readonly<Record<string, AttributeSchema>>): Obj {
  const opts = command.opts();
  return Object.fromEntries(Object.keys(attributes).filter((a) => opts[a] !== undefined).map((a) => [a, opts[a]]));
}

function knownColumns(resource: Resource): string[] {
  return Object.keys(resource.attributes);
}

/** The `--if-revision <n>` option: act only if the object is still at revision n (`If-Match`). */
function ifRevisionOption(command: Command): Command {
  return command.option('--if-revision <n>', 'act only if the object is still at this revision_number (else 412)', (v: string) =>
    parseAttributeValue('if_revision', { type: 'integer', minimum: 1 }, v),
  );
}

function ifMatch(command: Command): Record<string, string> {
  const revision = command.opts<{ ifRevision?: number }>().ifRevision;
  return revision === undefined ? {} : { 'if-match': `revision_number=${revision}` };
}

function memberUrl(ctx: ClientContext, resource: Resource, id: string): string {
  return `${ctx.catalog.baseUrl}${resource.path}/${encodeURIComponent(id)}`;
}

function listCommand(ctx: ClientContext, resource: Resource): Command {
  const command = new Command('list').description(`List ${resource.plural} (filters: one flag per attribute, repeat for OR)`);
  for (const [name, schema] of Object.entries(resource.filters)) {
    const option = new Option(`--${flagName(name)} ${valueHint(schema)}`, `only ${resource.plural} whose ${name} is this (repeatable)`);
    option.attributeName = () => name;
    option.argParser((text: string, previous: unknown[] | undefined) => [...(previous ?? []), parseAttributeValue(name, schema, text)]);
    command.addOption(option);
  }
  command
    .option('--sort <key[:asc|desc]>', 'sort by an attribute (repeatable)', (v: string, p: string[] | undefined) => [...(p ?? []), v])
    .option('--limit <n>', 'page size the server is asked for (1..1000)', (v: string) => parseAttributeValue('limit', { type: 'integer', minimum: 1, maximum: 1000 }, v))
    .option('--no-paginate', 'print only the first page (do not follow next links)')
    .option('--watch', 'after listing, print every change as it happens (Ctrl-C stops)')
    .action(async () => {
      const opts = command.opts<{ sort?: string[]; limit?: number; paginate: boolean; watch?: boolean }>();
      const query = new URLSearchParams();
      for (const name of Object.keys(resource.filters)) for (const v of (opts as Obj)[name] as unknown[] | undefined ?? []) query.append(name, String(v));
      for (const sort of opts.sort ?? []) {
        const [key = '', dir = 'asc'] = sort.split(':');
        if (!(key in resource.attributes)) throw usage({ field: 'sort', rule: 'enum', value: sort }, `not an attribute of ${resource.name}`);
        if (dir !== 'asc' && dir !== 'desc') throw usage({ field: 'sort', rule: 'enum', value: sort }, 'direction must be asc or desc');
        query.append('sort_key', key);
        query.append('sort_dir', dir);
      }
      if (opts.limit !== undefined) query.set('limit', String(opts.limit));
      if (opts.watch === true) {
        await watchCollection(ctx, resource, query);
        return;
      }
      const rows = await listAll(ctx, resource, { params: query, paginate: opts.paginate });
      ctx.print(formatList(rows, ctx.output, knownColumns(resource)));
    });
  return command;
}

/** Lists a collection, following `<plural>_links` next links unless `paginate` is false. */
export async function listAll(ctx: ClientContext, resource: Resource, query: { params: URLSearchParams; paginate: boolean }): Promise<Obj[]> {
  const { params, paginate } = query;
  const rows: Obj[] = [];
  let url: string | undefined = `${ctx.catalog.baseUrl}${resource.path}${params.size > 0 ? `?${params.toString()}` : ''}`;
  while (url !== undefined) {
    const body = (await ctx.http.call('GET', url)) as Record<string, unknown>;
    rows.push(...((body[resource.plural] as Obj[] | undefined) ?? []));
    const links = (body[`${resource.plural}_links`] as { rel?: string; href?: string }[] | undefined) ?? [];
    url = paginate ? links.find((l) => l.rel === 'next')?.href : undefined;
  }
  return rows;
}

/** The flag, the rule it broke and the text received: what a usage error names. */
interface UsageProblem {
  readonly field: string;
  readonly rule: string;
  readonly value: string;
}

function usage({ field, rule, value }: UsageProblem, why: string): GluonError {
  return new GluonError('GLUON_ERR_CLI_USAGE', `Invalid value for --${field}: '${value}' (rule ${rule}): ${why}.`, { details: [{ field, rule, value, message: why }] });
}

function showCommand(ctx: ClientContext, resource: Resource): Command {
  return new Command('show')
    .description(`Show one ${resource.name}`)
    .argument(`<${resource.pk}>`)
    .action(async (id: string) => {
      ctx.print(formatOne((await ctx.http.call('GET', memberUrl(ctx, resource, id))) as Obj, ctx.output, knownColumns(resource)));
    });
}

function createCommand(ctx: ClientContext, resource: Resource): Command {
  const command = new Command('create').description(`Create a ${resource.name}`);
  attributeOptions(command, resource.create.attributes, resource.create.required);
  command.action(async () => {
    const body = bodyOf(command, resource.create.attributes);
    const missing = resource.create.required.filter((a) => body[a] === undefined);
    if (missing.length > 0) {
      throw new GluonError('GLUON_ERR_CLI_USAGE', `Missing required flag${missing.length > 1 ? 's' : ''} ${missing.map((m) => `--${flagName(m)}`).join(', ')} for ${resource.name} create.`, {
        details: missing.map((m) => ({ field: m, rule: 'required', value: null, message: 'required' })),
      });
    }
    ctx.print(formatOne((await ctx.http.call('POST', `${ctx.catalog.baseUrl}${resource.path}`, { body })) as Obj, ctx.output, knownColumns(resource)));
  });
  return command;
}

function setCommand(ctx: ClientContext, resource: Resource): Command {
  const command = new Command('set').description(`Change attributes of a ${resource.name}`).argument(`<${resource.pk}>`);
  attributeOptions(command, resource.update, []);
  ifRevisionOption(command).action(async (id: string) => {
    const body = bodyOf(command, resource.update);
    if (Object.keys(body).length === 0) throw new GluonError('GLUON_ERR_CLI_USAGE', `Nothing to set: give at least one attribute flag (see ${resource.name} set --help).`);
    ctx.print(formatOne((await ctx.http.call('PUT', memberUrl(ctx, resource, id), { body, headers: ifMatch(command) })) as Obj, ctx.output, knownColumns(resource)));
  });
  return command;
}

function unsetCommand(ctx: ClientContext, resource: Resource): Command {
  const command = new Command('unset').description(`Clear optional attributes of a ${resource.name} (set them to null)`).argument(`<${resource.pk}>`);
  const clearable = Object.entries(resource.update).filter(([, s]) => s.nullable === true && s.readOnly !== true);
  for (const [name] of clearable) {
    const option = new Option(`--${flagName(name)}`, `clear ${name}`);
    option.attributeName = () => name;
    command.addOption(option);
  }
  ifRevisionOption(command).action(async (id: string) => {
    const opts = command.opts();
    const body = Object.fromEntries(clearable.filter(([name]) => opts[name] === true).map(([name]) => [name, null]));
    if (Object.keys(body).length === 0) throw new GluonError('GLUON_ERR_CLI_USAGE', `Nothing to unset: give at least one attribute flag (see ${resource.name} unset --help).`);
    ctx.print(formatOne((await ctx.http.call('PUT', memberUrl(ctx, resource, id), { body, headers: ifMatch(command) })) as Obj, ctx.output, knownColumns(resource)));
  });
  return command;
}

function deleteCommand(ctx: ClientContext, resource: Resource): Command {
  const command = new Command('delete')
    .description(`Delete one or more ${resource.plural} (every id is tried; exit 1 if any failed)`)
    .argument(`<${resource.pk}...>`);
  return ifRevisionOption(command)
    .action(async (ids: string[]) => {
      const failures: string[] = [];
      for (const id of ids) {
        try {
          await ctx.http.call('DELETE', memberUrl(ctx, resource, id), { headers: ifMatch(command) });
        } catch (err) {
          failures.push(`${id}: ${err instanceof ServerFault ? `${err.status} [${err.serverCode}] ` : ''}${(err as Error).message}`);
        }
      }
      if (failures.length > 0) throw new GluonError('GLUON_ERR_CLI_FAULT', `${failures.length} of ${ids.length} ${resource.plural} could not be deleted:\n${failures.join('\n')}`);
    });
}

function describeCommand(ctx: ClientContext, resource: Resource): Command {
  return new Command('describe')
    .description(`Show a ${resource.name} with its binding state, the objects pointing at it, their bindings and services`)
    .argument(`<${resource.pk}>`)
    .action(async (id: string) => {
      const view = await describeObject(ctx.http, ctx.catalog, { resource, id });
      if (ctx.output.format === 'table') ctx.print(describeText(view));
      else ctx.print(formatOne(view, { ...ctx.output, columns: ctx.output.columns }));
    });
}

function describeText(view: Obj): string {
  return Object.entries(view)
    .map(([section, value]) => {
      const rows = Array.isArray(value) ? (value as Obj[]) : [value as Obj];
      const body = rows.length === 0 ? '  (none)' : rows.map((r) => Object.entries(r).map(([k, v]) => `  ${k}: ${v === null ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v)}`).join('\n')).join('\n  ---\n');
      return `${section}:\n${body}`;
    })
    .join('\n');
}

/** The `<resource>` command with its actions (list, show, create, set, unset, delete, describe). */
export function resourceCommand(ctx: ClientContext, resource: Resource): Command {
  return new Command(resource.name)
    .description(`${resource.objectName} of ${resource.api} ${resource.version} (${resource.path})`)
    .addCommand(listCommand(ctx, resource))
    .addCommand(showCommand(ctx, resource))
    .addCommand(createCommand(ctx, resource))
    .addCommand(setCommand(ctx, resource))
    .addCommand(unsetCommand(ctx, resource))
    .addCommand(deleteCommand(ctx, resource))
    .addCommand(describeCommand(ctx, resource));
}
