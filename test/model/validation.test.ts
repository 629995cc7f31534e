import { describe, expect, it } from 'vitest';
import { compileModels } from '../../src/core/model/index.js';
import { TWO_MISTAKES_SPEC, compileOne, doc, issuesOf } from './helpers.js';

const ID = '    attributes:\n      id: {type: uuid, primary: true}\n';
const thing = (extra = '', attrs = ''): string => `  Thing:\n    api: {name: thing${extra}}\n${ID}${attrs}`;

/** Each rule: a passing spec and a failing one with the code and path expected. */
const rules: { rule: string; good: string; bad: string; code: string; path: string }[] = [
  { rule: 'file_version must be "1.0"', good: doc(thing()), bad: doc(thing(), 'file_version: "2.0"\ninfo: {name: t, version: 1}\n'), code: 'GLUON_ERR_MODEL_BAD_VALUE', path: 'file_version' },
  { rule: 'file_version is required', good: doc(thing()), bad: doc(thing(), 'info: {name: t, version: 1}\n'), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'file_version' },
  { rule: 'info is required', good: doc(thing()), bad: doc(thing(), 'file_version: "1.0"\n'), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'info' },
  { rule: 'info.name is required', good: doc(thing()), bad: doc(thing(), 'file_version: "1.0"\ninfo: {version: 1}\n'), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'info' },
  { rule: 'info.version is required', good: doc(thing()), bad: doc(thing(), 'file_version: "1.0"\ninfo: {name: t}\n'), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'info' },
  { rule: 'unknown top-level key', good: doc(thing()), bad: doc(thing(), 'file_version: "1.0"\ninfo: {name: t, version: 1}\nobjetcs: {}\n'), code: 'GLUON_ERR_MODEL_UNKNOWN_KEY', path: 'objetcs' },
  { rule: 'unknown info key', good: doc(thing()), bad: doc(thing(), 'file_version: "1.0"\ninfo: {name: t, version: 1, licence: x}\n'), code: 'GLUON_ERR_MODEL_UNKNOWN_KEY', path: 'info.licence' },
  { rule: 'unknown author key', good: doc(thing(), 'file_version: "1.0"\ninfo: {name: t, version: 1, author: {name: a, url: u, email: e}}\n'), bad: doc(thing(), 'file_version: "1.0"\ninfo: {name: t, version: 1, author: {phone: 1}}\n'), code: 'GLUON_ERR_MODEL_UNKNOWN_KEY', path: 'info.author.phone' },
  { rule: 'at least one API object', good: doc(thing()), bad: doc('  Base:\n' + ID), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'objects' },
  { rule: 'unknown object key', good: doc(thing()), bad: doc(thing() + '    extend: X\n'), code: 'GLUON_ERR_MODEL_UNKNOWN_KEY', path: 'objects.Thing.extend' },
  { rule: 'unknown api key', good: doc(thing(', plural_name: things')), bad: doc(thing(', plural: things')), code: 'GLUON_ERR_MODEL_UNKNOWN_KEY', path: 'objects.Thing.api.plural' },
  { rule: 'unknown attribute key', good: doc(thing('', '      n: {type: string, length: 3}\n')), bad: doc(thing('', '      n: {type: string, maxlength: 3}\n')), code: 'GLUON_ERR_MODEL_UNKNOWN_KEY', path: 'objects.Thing.attributes.n.maxlength' },
  { rule: 'api.name is required', good: doc(thing()), bad: doc('  Thing:\n    api: {plural_name: things}\n' + ID), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'objects.Thing.api' },
  { rule: 'objects must be a mapping', good: doc(thing()), bad: 'file_version: "1.0"\ninfo: {name: t, version: 1}\nobjects: [Thing]\n', code: 'GLUON_ERR_MODEL_WRONG_TYPE', path: 'objects' },
  { rule: 'attributes must be a mapping', good: doc(thing()), bad: doc('  Thing:\n    api: {name: t}\n    attributes: [id]\n'), code: 'GLUON_ERR_MODEL_WRONG_TYPE', path: 'objects.Thing.attributes' },
  { rule: 'type must be a string', good: doc(thing('', '      n: {type: integer}\n')), bad: doc(thing('', '      n: {type: 5}\n')), code: 'GLUON_ERR_MODEL_WRONG_TYPE', path: 'objects.Thing.attributes.n.type' },
  { rule: 'required must be a boolean', good: doc(thing('', '      n: {type: integer, required: true}\n')), bad: doc(thing('', '      n: {type: integer, required: "yes"}\n')), code: 'GLUON_ERR_MODEL_WRONG_TYPE', path: 'objects.Thing.attributes.n.required' },
  { rule: 'type is required', good: doc(thing('', '      n: {type: integer}\n')), bad: doc(thing('', '      n: {required: true}\n')), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'objects.Thing.attributes.n' },
  { rule: 'type must be known', good: doc(thing('', '      n: {type: string}\n')), bad: doc(thing('', '      n: {type: strin}\n')), code: 'GLUON_ERR_MODEL_BAD_VALUE', path: 'objects.Thing.attributes.n.type' },
  { rule: 'reference type must name an API object', good: doc(thing('', '      n: {type: Thing}\n') + '  Base:\n' + ID), bad: doc(thing('', '      n: {type: Base}\n') + '  Base:\n' + ID), code: 'GLUON_ERR_MODEL_UNKNOWN_REFERENCE', path: 'objects.Thing.attributes.n.type' },
  { rule: 'exactly one primary key (none)', good: doc(thing()), bad: doc('  Thing:\n    api: {name: t}\n    attributes:\n      id: {type: uuid}\n'), code: 'GLUON_ERR_MODEL_PRIMARY_KEY', path: 'objects.Thing' },
  { rule: 'a key cannot be boolean', good: doc('  Thing:\n    api: {name: t}\n    attributes:\n      id: {type: integer, primary: true}\n'), bad: doc('  Thing:\n    api: {name: t}\n    attributes:\n      id: {type: boolean, primary: true}\n'), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.id.primary' },
  { rule: 'an object needs attributes', good: doc(thing()), bad: doc('  Thing:\n    api: {name: t}\n'), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'objects.Thing' },
  { rule: 'length is a positive integer', good: doc(thing('', '      n: {type: string, length: 1}\n')), bad: doc(thing('', '      n: {type: string, length: 0}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.length' },
  { rule: 'length is an integer', good: doc(thing('', '      n: {type: string, length: 10}\n')), bad: doc(thing('', '      n: {type: string, length: 2.5}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.length' },
  { rule: 'length only on strings', good: doc(thing('', '      n: {type: string, length: 10}\n')), bad: doc(thing('', '      n: {type: integer, length: 10}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.length' },
  { rule: 'string formats', good: doc(thing('', '      n: {type: string, format: ipv6}\n')), bad: doc(thing('', '      n: {type: string, format: ipv5}\n')), code: 'GLUON_ERR_MODEL_BAD_VALUE', path: 'objects.Thing.attributes.n.format' },
  { rule: 'integer formats', good: doc(thing('', '      n: {type: integer, format: int64}\n')), bad: doc(thing('', '      n: {type: integer, format: int16}\n')), code: 'GLUON_ERR_MODEL_BAD_VALUE', path: 'objects.Thing.attributes.n.format' },
  { rule: 'format only on string/integer', good: doc(thing('', '      n: {type: string, format: mac}\n')), bad: doc(thing('', '      n: {type: boolean, format: mac}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.format' },
  { rule: 'min/max only on integer/number', good: doc(thing('', '      n: {type: number, min: 0.5}\n')), bad: doc(thing('', '      n: {type: string, min: 1}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.min' },
  { rule: 'integer bounds are integers', good: doc(thing('', '      n: {type: integer, max: 3}\n')), bad: doc(thing('', '      n: {type: integer, max: 3.5}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.max' },
  { rule: 'min <= max', good: doc(thing('', '      n: {type: integer, min: 3, max: 3}\n')), bad: doc(thing('', '      n: {type: integer, min: 4, max: 3}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.max' },
  { rule: 'int32 bounds fit int32', good: doc(thing('', '      n: {type: integer, format: int32, max: 2147483647}\n')), bad: doc(thing('', '      n: {type: integer, format: int32, max: 2147483648}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.max' },
  { rule: 'bounds are numbers', good: doc(thing('', '      n: {type: integer, min: 1}\n')), bad: doc(thing('', '      n: {type: integer, min: "1"}\n')), code: 'GLUON_ERR_MODEL_WRONG_TYPE', path: 'objects.Thing.attributes.n.min' },
  { rule: 'values only with enum', good: doc(thing('', '      n: {type: enum, values: [a]}\n')), bad: doc(thing('', '      n: {type: string, values: [a]}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.values' },
  { rule: 'enum needs values', good: doc(thing('', '      n: {type: enum, values: [a, b]}\n')), bad: doc(thing('', '      n: {type: enum}\n')), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'objects.Thing.attributes.n.type' },
  { rule: 'values non-empty', good: doc(thing('', '      n: {type: enum, values: [a]}\n')), bad: doc(thing('', '      n: {type: enum, values: []}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.values' },
  { rule: 'values are strings', good: doc(thing('', '      n: {type: enum, values: ["1"]}\n')), bad: doc(thing('', '      n: {type: enum, values: [1]}\n')), code: 'GLUON_ERR_MODEL_WRONG_TYPE', path: 'objects.Thing.attributes.n.values.0' },
  { rule: 'values are unique', good: doc(thing('', '      n: {type: enum, values: [a, b]}\n')), bad: doc(thing('', '      n: {type: enum, values: [a, a]}\n')), code: 'GLUON_ERR_MODEL_DUPLICATE', path: 'objects.Thing.attributes.n.values' },
  { rule: 'no length on a reference', good: doc(thing('', '      n: {type: Thing}\n')), bad: doc(thing('', '      n: {type: Thing, length: 5}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.length' },
  { rule: 'reserved attribute names', good: doc(thing('', '      created: {type: string}\n')), bad: doc(thing('', '      created_at: {type: string}\n')), code: 'GLUON_ERR_MODEL_BAD_VALUE', path: 'objects.Thing.attributes.created_at' },
  { rule: 'renamed_from is a name or a list of names', good: doc(thing('', '      n: {type: integer, renamed_from: [m, old_n]}\n')), bad: doc(thing('', '      n: {type: integer, renamed_from: "1x"}\n')), code: 'GLUON_ERR_MODEL_BAD_VALUE', path: 'objects.Thing.attributes.n.renamed_from' },
  { rule: 'renamed_from is a former name, not a current attribute', good: doc(thing('', '      n: {type: integer, renamed_from: m}\n')), bad: doc(thing('', '      n: {type: integer, renamed_from: id}\n')), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.attributes.n.renamed_from' },
  { rule: 'an object renamed_from is a former object name', good: doc(thing() + '    renamed_from: OldThing\n'), bad: doc(thing() + '    renamed_from: Thing\n'), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Thing.renamed_from' },
  { rule: 'extends must exist', good: doc('  B:\n' + ID + '  Thing:\n    api: {name: t}\n    extends: B\n'), bad: doc('  B:\n' + ID + '  Thing:\n    api: {name: t}\n    extends: C\n'), code: 'GLUON_ERR_MODEL_UNKNOWN_REFERENCE', path: 'objects.Thing.extends' },
  { rule: 'extends must name a base object', good: doc('  B:\n' + ID + '  Thing:\n    api: {name: t}\n    extends: B\n'), bad: doc(thing() + '  Other:\n    api: {name: o}\n    extends: Thing\n'), code: 'GLUON_ERR_MODEL_UNKNOWN_REFERENCE', path: 'objects.Other.extends' },
  { rule: 'no extends cycles', good: doc('  A:\n    extends: B\n  B:\n' + ID + '  Thing:\n    api: {name: t}\n    extends: A\n'), bad: doc('  A:\n    extends: B\n  B:\n    extends: A\n' + ID + '  Thing:\n    api: {name: t}\n    extends: A\n'), code: 'GLUON_ERR_MODEL_INHERITANCE_CYCLE', path: 'objects.A.extends' },
  { rule: 'parent must be an API object', good: doc(thing() + '  Kid:\n    api: {name: kid, parent: Thing, parent_key: t}\n' + ID + '      t: {type: Thing}\n'), bad: doc(thing() + '  Kid:\n    api: {name: kid, parent: Nope, parent_key: t}\n' + ID + '      t: {type: Thing}\n'), code: 'GLUON_ERR_MODEL_UNKNOWN_REFERENCE', path: 'objects.Kid.api.parent' },
  { rule: 'parent_key required with parent', good: doc(thing() + '  Kid:\n    api: {name: kid, parent: Thing, parent_key: t}\n' + ID + '      t: {type: Thing}\n'), bad: doc(thing() + '  Kid:\n    api: {name: kid, parent: Thing}\n' + ID + '      t: {type: Thing}\n'), code: 'GLUON_ERR_MODEL_MISSING_KEY', path: 'objects.Kid.api.parent' },
  { rule: 'parent_key must be an attribute', good: doc(thing() + '  Kid:\n    api: {name: kid, parent: Thing, parent_key: t}\n' + ID + '      t: {type: Thing}\n'), bad: doc(thing() + '  Kid:\n    api: {name: kid, parent: Thing, parent_key: x}\n' + ID + '      t: {type: Thing}\n'), code: 'GLUON_ERR_MODEL_UNKNOWN_REFERENCE', path: 'objects.Kid.api.parent_key' },
  { rule: 'parent_key type matches the parent key', good: doc(thing() + '  Kid:\n    api: {name: kid, parent: Thing, parent_key: t}\n' + ID + '      t: {type: uuid}\n'), bad: doc(thing() + '  Kid:\n    api: {name: kid, parent: Thing, parent_key: t}\n' + ID + '      t: {type: integer}\n'), code: 'GLUON_ERR_MODEL_CONSTRAINT', path: 'objects.Kid.api.parent_key' },
  { rule: 'no parent cycles', good: doc(thing() + '  Kid:\n    api: {name: kid, parent: Thing, parent_key: t}\n' + ID + '      t: {type: Thing}\n'), bad: doc('  Thing:\n    api: {name: thing, parent: Kid, parent_key: k}\n' + ID + '      k: {type: Kid}\n  Kid:\n    api: {name: kid, parent: Thing, parent_key: t}\n' + ID + '      t: {type: Thing}\n'), code: 'GLUON_ERR_MODEL_PARENT_CYCLE', path: 'objects.Kid.api.parent' },
  { rule: 'plural names unique', good: doc(thing() + '  Other:\n    api: {name: other}\n' + ID), bad: doc(thing() + '  Other:\n    api: {name: other, plural_name: things}\n' + ID), code: 'GLUON_ERR_MODEL_DUPLICATE', path: 'objects.Other.api.plural_name' },
  { rule: 'one object extends BasePort', good: doc('  BasePort:\n' + ID + '  Port:\n    api: {name: port}\n    extends: BasePort\n'), bad: doc('  BasePort:\n' + ID + '  Port:\n    api: {name: port}\n    extends: BasePort\n  Port2:\n    api: {name: port2}\n    extends: BasePort\n'), code: 'GLUON_ERR_MODEL_DUPLICATE', path: 'objects.Port2.extends' },
  { rule: 'policy actions', good: doc(thing() + '    policies: {create: "rule:x", get: {role: "rule:y"}}\n'), bad: doc(thing() + '    policies: {show: "rule:x"}\n'), code: 'GLUON_ERR_MODEL_POLICY', path: 'objects.Thing.policies.show' },
  { rule: 'policy form', good: doc(thing() + '    policies: {list: {role: "rule:admin"}}\n'), bad: doc(thing() + '    policies: {list: [rule]}\n'), code: 'GLUON_ERR_MODEL_POLICY', path: 'objects.Thing.policies.list' },
  { rule: 'policy role key', good: doc(thing() + '    policies: {list: {role: "rule:admin"}}\n'), bad: doc(thing() + '    policies: {list: {rule: "rule:admin"}}\n'), code: 'GLUON_ERR_MODEL_POLICY', path: 'objects.Thing.policies.list.rule' },
  { rule: 'YAML syntax', good: doc(thing()), bad: doc(thing()) + '  Bad: [\n', code: 'GLUON_ERR_MODEL_YAML_SYNTAX', path: '(document)' },
  { rule: 'duplicate keys are syntax errors', good: doc(thing()), bad: doc(thing() + '  Thing:\n    api: {name: x}\n'), code: 'GLUON_ERR_MODEL_YAML_SYNTAX', path: '(document)' },
];

describe('every validation rule has a passing and a failing case', () => {
  for (const r of rules) {
    it(r.rule, () => {
      expect(issuesOf(r.good)).toEqual([]);
      const issues = issuesOf(r.bad);
      expect(issues.map((i) => `${i.code} ${i.path}`)).toContain(`${r.code} ${r.path}`);
      for (const issue of issues) {
        expect(issue.file).toBe('m/t.yaml');
        expect(issue.line).toBeGreaterThan(0);
        expect(issue.column).toBeGreaterThan(0);
        expect(issue.message.length).toBeGreaterThan(10);
      }
    });
  }
});

describe('spec language details', () => {
  it('reports every mistake at once with file:line:column, path and allowed values', () => {
    const issues = issuesOf(TWO_MISTAKES_SPEC);
    expect(issues).toHaveLength(2);
    expect(issues[0]).toMatchObject({ code: 'GLUON_ERR_MODEL_BAD_VALUE', file: 'm/t.yaml', line: 8, column: 20, path: 'objects.Thing.attributes.size.type', value: 'strin' });
    expect(issues[0]?.allowed).toEqual(expect.arrayContaining(['string', 'uuid', 'integer', 'number', 'boolean', 'enum', 'Thing', 'Kid']));
    expect(issues[1]).toMatchObject({ code: 'GLUON_ERR_MODEL_UNKNOWN_REFERENCE', line: 10, column: 30, path: 'objects.Kid.api.parent', value: 'Nope', allowed: ['Thing', 'Kid'] });
  });

  it('keeps "1.0" from an unquoted version and accepts an unquoted file_version 1.0', () => {
    const [model] = compileOne(doc(thing(), 'file_version: 1.0\ninfo:\n  name: t\n  version: 1.0\n'));
    expect(model?.version).toBe('1.0');
    expect(model?.versionId).toBe('v1.0');
    expect(issuesOf(doc(thing(), 'file_version: 1\ninfo: {name: t, version: 2}\n')).map((i) => i.code)).toEqual(['GLUON_ERR_MODEL_BAD_VALUE']);
  });

  it('applies defaults: plural name, string length 255, uuid 36, not required', () => {
    const [model] = compileOne(doc(thing('', '      s: {type: string}\n')));
    const object = model?.objects[0];
    expect(object?.api.plural).toBe('things');
    expect(object?.attributes.map((a) => [a.name, a.length, a.required])).toEqual([['id', 36, false], ['s', 255, false]]);
    expect(object?.role).toBe('plain');
  });

  it('accepts both policy forms and inherits policies per action', () => {
    const [model] = compileOne(doc('  B:\n' + ID + '    policies: {create: {role: "rule:a"}, list: "rule:b"}\n  Thing:\n    api: {name: t}\n    extends: B\n    policies: {list: {role: "rule:c"}}\n'));
    expect(model?.objects[0]?.policies).toEqual({ create: 'rule:a', list: 'rule:c' });
  });

  it('derives roles through chains of any depth', () => {
    const [model] = compileOne(doc('  BaseObject:\n' + ID + '  BasePort:\n    extends: BaseObject\n  MyPort:\n    extends: BasePort\n  Port:\n    api: {name: port}\n    extends: MyPort\n'));
    expect(model?.objects[0]).toMatchObject({ role: 'port', extendsChain: ['MyPort', 'BasePort', 'BaseObject'] });
  });

  it('drops type-specific properties when a child changes the type, keeps the rest', () => {
    const [model] = compileOne(doc('  B:\n' + ID + '      n: {type: string, length: 5, required: true, format: mac}\n  Thing:\n    api: {name: t}\n    extends: B\n    attributes:\n      n: {type: integer}\n'));
    expect(model?.objects[0]?.attributes[1]).toMatchObject({ name: 'n', type: 'integer', required: true });
    expect(model?.objects[0]?.attributes[1]?.length).toBeUndefined();
  });

  it('resolves references to keys that are references, and parent chains of any depth', () => {
    const [model] = compileOne(doc(thing() + '  Kid:\n    api: {name: kid, parent: Thing, parent_key: t}\n    attributes:\n      t: {type: Thing, primary: true}\n  GrandKid:\n    api: {name: gk, parent: Kid, parent_key: k}\n' + ID + '      k: {type: Kid, required: true}\n'));
    expect(model?.objects[2]?.attributes[1]).toMatchObject({ type: 'uuid', reference: 'Kid', length: 36, required: true });
    expect(model?.objects[2]?.api.parent).toBe('Kid');
  });

  it('merges files of one unit and pulls imports from the given sources', () => {
    const base = { path: 'models/base/base.yaml', text: 'file_version: "1.0"\nobjects:\n  B:\n' + ID };
    const svc = { path: 'models/svc/api.yaml', text: doc('  Thing:\n    api: {name: t}\n    extends: B\n', 'file_version: "1.0"\nimports: base/base.yaml\ninfo: {name: svc, version: 2}\n'), unit: 'svc' };
    const more = { path: 'models/svc/more.yaml', text: doc('  Other:\n    api: {name: o}\n    extends: B\n', 'file_version: "1.0"\n'), unit: 'svc' };
    const models = compileModels([base, svc, more]);
    expect(models.map((m) => [m.name, m.versionId, m.objects.map((o) => o.name), m.files])).toEqual([
      ['svc', 'v2', ['Thing', 'Other'], ['models/svc/api.yaml', 'models/svc/more.yaml', 'models/base/base.yaml']],
    ]);
    const missing = issuesOf([svc]);
    expect(missing[0]).toMatchObject({ code: 'GLUON_ERR_MODEL_FILE_UNREADABLE', path: 'imports', line: 2 });
  });

  it('reports an object defined twice in one API', () => {
    const base = { path: 'm/base.yaml', text: 'file_version: "1.0"\nobjects:\n  Thing:\n' + ID };
    const svc = { path: 'm/svc.yaml', text: doc(thing(), 'file_version: "1.0"\nimports: base.yaml\ninfo: {name: s, version: 1}\n') };
    expect(issuesOf([base, svc]).map((i) => [i.code, i.file])).toEqual([['GLUON_ERR_MODEL_DUPLICATE', 'm/base.yaml']]);
  });
});
