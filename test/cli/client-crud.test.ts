/**
 * `gluon <resource> <action>` against a running server: every object of every bundled
 * model created, shown, listed, updated and deleted, in every output format; the
 * exit codes; the server's faults printed with their code and details.
 */
import { parse as parseYaml } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { roleReferences } from '../../src/core/auth/index.js';
import { loadModels, type ApiModel, type ObjectModel } from '../../src/core/model/index.js';
import { bundledModelsPath } from '../http/helpers.js';
import { validValue } from '../http/model-values.js';
import { flag, gluon, startProton } from './client-helpers.js';

const models: readonly ApiModel[] = await loadModels(await bundledModelsPath());
let url: string;
let stop: () => Promise<void>;
beforeAll(async () => {
  ({ url, stop } = await startProton());
});
afterAll(async () => stop());

/** Creates an object with gluon (its references first, recursively) and returns its key. */
async function createWithGluon(api: ApiModel, object: ObjectModel): Promise<string> {
  const result = await gluon([commandName(object), 'create', '--api', api.name, ...(await createFlags(api, object)), '-f', 'json'], { env: { GLUON_URL: url } });
  if (result.code !== 0) throw new Error(`creating a ${object.name} failed: ${result.stderr}`);
  const pk = object.attributes.find((a) => a.primary)?.name ?? 'id';
  return String((JSON.parse(result.stdout) as Record<string, unknown>)[pk]);
}

/** Flags of a valid create: every required attribute and the key; references point at objects created first. */
async function createFlags(api: ApiModel, object: ObjectModel): Promise<string[]> {
  const flags: string[] = [];
  // a reference by type, or by role (a service binding's interface_id / service_id, a child's parent key)
  const references = new Map(roleReferences(api, object).map((r) => [r.attribute, r.targets[0]]));
  for (const attribute of object.attributes.filter((a) => a.required || a.primary || references.has(a.name))) {
    const target = references.get(attribute.name);
    const value = target === undefined ? validValue(attribute) : await createWithGluon(api, target);
    flags.push(flag(attribute.name), String(value));
  }
  return flags;
}

function commandName(object: ObjectModel): string {
  const plural = object.api.plural;
  return plural.endsWith('s') ? plural.slice(0, -1) : plural;
}

describe.each(models.map((api) => [api.name, api] as const))('every object of %s', (_name, api) => {
  for (const object of api.objects) {
    it(`${object.name}: create (json), show (yaml, table, csv), list (json, yaml, csv, value, table), set, unset, delete`, async () => {
      const env = { GLUON_URL: url };
      const name = commandName(object);
      const g = (...args: string[]) => gluon([name, ...args, '--api', api.name], { env });
      const pk = object.attributes.find((a) => a.primary)?.name ?? 'id';

      const created = await g('create', ...(await createFlags(api, object)), '-f', 'json');
      expect(created.stderr).toBe('');
      expect(created.code).toBe(0);
      const body = JSON.parse(created.stdout) as Record<string, unknown>;
      const id = String(body[pk]);
      expect(id).not.toBe('');

      const shown = await g('show', id, '-f', 'yaml');
      expect(shown.code).toBe(0);
      expect(parseYaml(shown.stdout)).toEqual(body);

      const showTable = await g('show', id);
      expect(showTable.stdout).toContain(`| ${pk.padEnd(Math.max(...Object.keys(body).map((k) => k.length)))} | ${id}`);
      const showCsv = await g('show', id, '-f', 'csv', '-c', pk);
      expect(showCsv.stdout).toBe(`${pk}\n${id}\n`);
      const json = await g('list', '-f', 'json');
      expect(JSON.parse(json.stdout)).toContainEqual(body);
      const yaml = await g('list', '-f', 'yaml');
      expect(parseYaml(yaml.stdout)).toContainEqual(body);
      const csv = await g('list', '-f', 'csv', '-c', pk);
      expect(csv.code).toBe(0);
      expect(csv.stdout.split('\n')).toEqual(expect.arrayContaining([pk, id]));
      const value = await g('list', '-f', 'value', '-c', pk);
      expect(value.stdout.split('\n')).toContain(id);
      const table = await g('list', '-c', pk);
      expect(table.stdout).toMatch(new RegExp(`\\| ${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} +\\|`));

      const writable = object.attributes.find((a) => !a.primary && !a.required && a.reference === undefined && a.type === 'string' && a.format === undefined);
      if (writable !== undefined) {
        const set = await g('set', id, flag(writable.name), 'renamed', '-f', 'value', '-c', writable.name);
        expect(set.code).toBe(0);
        expect(set.stdout).toBe('renamed\n');
        const unset = await g('unset', id, flag(writable.name), '-f', 'json');
        expect(unset.code).toBe(0);
        expect(JSON.parse(unset.stdout)).toMatchObject({ [writable.name]: null });
      }

      const deleted = await g('delete', id);
      expect(deleted.code).toBe(0);
      const gone = await g('show', id);
      expect(gone.code).toBe(1);
      expect(gone.stderr).toContain('[GLUON_ERR_NOT_FOUND]');
    });
  }
});

describe('usage errors and faults', () => {
  const env = (): NodeJS.ProcessEnv => ({ GLUON_URL: url });

  it('refuses a bad typed value locally with exit 2, naming the field, the rule and the value; nothing is created', async () => {
    const before = await gluon(['port', 'list', '--api', 'net-l3vpn', '-f', 'value', '-c', 'id'], { env: env() });
    for (const [args, rule] of [
      [['--mtu', 'abc'], 'type'],
      [['--status', 'UP'], 'enum'],
      [['--mac-address', 'nope'], 'format'],
      [['--admin-state-up', 'maybe'], 'type'],
      [['--tenant-id', 'not-a-uuid'], 'pattern'],
    ] as const) {
      const result = await gluon(['port', 'create', '--api', 'net-l3vpn', ...args], { env: env() });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(`--${args[0].slice(2)}: '${args[1]}' (rule ${rule})`);
    }
    const after = await gluon(['port', 'list', '--api', 'net-l3vpn', '-f', 'value', '-c', 'id'], { env: env() });
    expect(after.stdout).toBe(before.stdout);
  });

  it('exit 2 for an unknown resource, an ambiguous one, a missing required flag, an unknown flag, format or column', async () => {
    const unknown = await gluon(['nosuchthing', 'list'], { env: env() });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown resource "nosuchthing"');
    const ambiguous = await gluon(['port', 'list'], { env: env() });
    expect(ambiguous.code).toBe(2);
    expect(ambiguous.stderr).toContain('add --api <name>');
    const missing = await gluon(['port', 'create', '--api', 'net-l3vpn', '--name', 'x'], { env: env() });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--mac-address');
    expect((await gluon(['port', 'list', '--api', 'net-l3vpn', '--bogus', '1'], { env: env() })).code).toBe(2);
    expect((await gluon(['port', 'list', '--api', 'net-l3vpn', '-f', 'xml'], { env: env() })).stderr).toContain("Invalid value for -f: 'xml'");
    const column = await gluon(['port', 'list', '--api', 'net-l3vpn', '-c', 'nope'], { env: env() });
    expect(column.code).toBe(2);
    expect(column.stderr).toContain('Unknown column "nope"');
  });

  it('prints the server fault with its code and details, exit 1; an unreachable server is exit 1', async () => {
    const fault = await gluon(['port', 'show', 'not-a-uuid', '--api', 'net-l3vpn'], { env: env() });
    expect(fault.code).toBe(1);
    expect(fault.stderr).toContain('the server answered 400 [GLUON_ERR_VALIDATION]');
    expect(fault.stderr).toContain('- key:');
    const down = await gluon(['port', 'list', '--api', 'net-l3vpn'], { env: { GLUON_URL: 'http://127.0.0.1:1' } });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('[GLUON_ERR_CLI_UNREACHABLE]');
  });

  it('list filters, sorts, pages through next links unless --no-paginate, and delete takes several ids', async () => {
    const tenant = '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
    const ids: string[] = [];
    for (const name of ['c-port', 'a-port', 'b-port']) {
      const r = await gluon(['port', 'create', '--api', 'net-l3vpn', '--tenant-id', tenant, '--name', name, '--mac-address', 'fa:16:3e:00:00:09', '--admin-state-up', 'true',
        '--status', 'DOWN', '--vnic-type', 'direct', '--mtu', '1400', '--vlan-transparency', 'false', '-f', 'value', '-c', 'id'], { env: env() });
      ids.push(r.stdout.trim());
    }
    const sorted = await gluon(['port', 'list', '--api', 'net-l3vpn', '--vnic-type', 'direct', '--sort', 'name:desc', '--limit', '1', '-f', 'value', '-c', 'name'], { env: env() });
    expect(sorted.stdout).toBe('c-port\nb-port\na-port\n');
    const onePage = await gluon(['port', 'list', '--api', 'net-l3vpn', '--vnic-type', 'direct', '--sort', 'name', '--limit', '1', '--no-paginate', '-f', 'value', '-c', 'name'], { env: env() });
    expect(onePage.stdout).toBe('a-port\n');
    const deleted = await gluon(['port', 'delete', ...ids, '--api', 'net-l3vpn'], { env: env() });
    expect(deleted.code).toBe(0);
    const none = await gluon(['port', 'list', '--api', 'net-l3vpn', '--vnic-type', 'direct', '-f', 'json'], { env: env() });
    expect(JSON.parse(none.stdout)).toEqual([]);
    const again = await gluon(['port', 'delete', ids[0] ?? '', '--api', 'net-l3vpn'], { env: env() });
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('1 of 1 ports could not be deleted');
  });

  it('--if-revision sends If-Match: a stale revision is refused with 412 and changes nothing', async () => {
    const g = (...args: string[]) => gluon([...args, '--api', 'net-l3vpn'], { env: env() });
    const id = (await g('vpn', 'create', '--tenant-id', '9b6d2b8a-1c2d-4e5f-8a9b-0c1d2e3f4a5b', '--name', 'v1', '-f', 'value', '-c', 'id')).stdout.trim();
    expect((await g('vpn', 'set', id, '--name', 'v2', '--if-revision', '1', '-f', 'value', '-c', 'revision_number')).stdout).toBe('2\n');
    const stale = await g('vpn', 'set', id, '--name', 'v3', '--if-revision', '1');
    expect(stale.code).toBe(1);
    expect(stale.stderr).toContain('the server answered 412 [GLUON_ERR_PRECONDITION_FAILED]');
    const staleDelete = await g('vpn', 'delete', id, '--if-revision', '1');
    expect(staleDelete.code).toBe(1);
    expect(staleDelete.stderr).toContain('412 [GLUON_ERR_PRECONDITION_FAILED]');
    expect((await g('vpn', 'show', id, '-f', 'value', '-c', 'name')).stdout).toBe('v2\n');
    expect((await g('vpn', 'delete', id, '--if-revision', '2')).code).toBe(0);
    expect((await g('vpn', 'set', id, '--name', 'x', '--if-revision', '0')).code).toBe(2);
  });

  it('--debug shows the HTTP exchange on stderr', async () => {
    const result = await gluon(['port', 'list', '--api', 'net-l3vpn', '--debug', '-f', 'json'], { env: env() });
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(`REQ: GET ${url}/proton/net-l3vpn/v1.0/ports`);
    expect(result.stderr).toContain('RESP: 200');
  });

  it('prints bash and zsh completion scripts, and the resource names for them', async () => {
    expect((await gluon(['completion', 'bash'])).stdout).toContain('complete -F _gluon gluon');
    expect((await gluon(['completion', 'zsh'])).stdout).toContain('compdef _gluon gluon');
    expect((await gluon(['completion', 'fish'])).code).toBe(2);
    const names = await gluon(['completion', 'resources'], { env: env() });
    expect(names.stdout.split('\n')).toEqual(expect.arrayContaining(['port', 'vpnbinding', 'TestBinding', 'servicefunction']));
  });
});

describe('connections', () => {
  it('each command closes the connections it opened: many commands in a row stay under the server\'s connection cap', async () => {
    const capped = await startProton({ connectionLimits: { maxConnections: 12 } });
    try {
      for (let i = 0; i < 20; i++) {
        const listed = await gluon(['port', 'list', '--api', 'net-l3vpn', '-f', 'json'], { env: { GLUON_URL: capped.url } });
        expect(listed.stderr, `command ${i + 1}`).toBe('');
        expect(listed.code).toBe(0);
      }
    } finally {
      await capped.stop();
    }
  });
});
