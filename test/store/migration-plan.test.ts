/**
 * The schema planner: every difference between two table shapes becomes a change, the
 * changes applied to the recorded shape give the wanted one, and each change says what it
 * risks.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ColumnDescription, TableDescription } from '../../src/core/model/index.js';
import { diffSchema, evolveTable, type SchemaChange } from '../../src/core/store/migration-plan.js';
import { canonicalTable, tableHash, type RecordedTable } from '../../src/core/store/schema-description.js';

const NAMES = ['a', 'b', 'c', 'd', 'e'];

const column = (name: string): fc.Arbitrary<ColumnDescription> =>
  fc.oneof(
    fc.record({ type: fc.constant('string' as const), length: fc.integer({ min: 1, max: 300 }), nullable: fc.boolean() }),
    fc.record({ type: fc.constantFrom('integer' as const, 'bigint' as const, 'boolean' as const, 'float' as const), nullable: fc.boolean() }),
    fc.record({ type: fc.constant('enum' as const), values: fc.uniqueArray(fc.constantFrom('x', 'y', 'z', 'w'), { minLength: 1 }), nullable: fc.boolean() }),
  ).map((c) => ({ ...c, name, primaryKey: false }));

const table: fc.Arbitrary<TableDescription> = fc
  .subarray(NAMES)
  .chain((names) => fc.tuple(...names.map(column)))
  .chain((columns) =>
    fc.record({
      indexes: fc.subarray(columns.map((c) => c.name)).map((cols) => cols.map((c) => ({ name: `t_${c}_idx`, columns: [c], unique: false }))),
    }).map(({ indexes }) => ({
      name: 't',
      object: 'T',
      columns: [{ name: 'id', type: 'string' as const, length: 36, nullable: false, primaryKey: true }, ...columns],
      primaryKey: 'id',
      foreignKeys: [],
      indexes,
    })),
  );

function recorded(t: TableDescription): Map<string, RecordedTable> {
  return new Map([[t.name, { api: 'x', table: t, hash: tableHash(t), appliedAt: new Date(0) }]]);
}

function applyAll(start: TableDescription | undefined, changes: readonly SchemaChange[]): TableDescription | undefined {
  return changes.reduce<TableDescription | undefined>((t, c) => evolveTable(t, c), start);
}

describe('diffSchema', () => {
  it('plans changes that turn any recorded table into any wanted one', () => {
    fc.assert(
      fc.property(table, table, (before, after) => {
        const changes = diffSchema(recorded(before), [{ api: 'x', table: after }]);
        const result = applyAll(before, changes);
        expect(result && canonicalTable(result)).toEqual(canonicalTable(after));
        if (tableHash(before) === tableHash(after)) expect(changes).toEqual([]);
      }),
    );
  });

  it('marks only widening changes as expand, and every narrowing one as lossy or rejecting with the rows to count', () => {
    fc.assert(
      fc.property(table, table, (before, after) => {
        for (const change of diffSchema(recorded(before), [{ api: 'x', table: after }])) {
          if (change.expand) expect(change.risk).toBe('safe');
          if (change.risk === 'lossy' || change.risk === 'rejecting') expect(change.affects?.table).toBe('t');
        }
      }),
    );
  });

  const base: TableDescription = {
    name: 't',
    object: 'T',
    columns: [
      { name: 'id', type: 'string', length: 36, nullable: false, primaryKey: true },
      { name: 'kind', type: 'enum', values: ['a', 'b'], nullable: true, primaryKey: false },
      { name: 'label', type: 'string', length: 32, nullable: true, primaryKey: false },
    ],
    primaryKey: 'id',
    foreignKeys: [],
    indexes: [],
  };
  const plan = (next: Partial<TableDescription>): SchemaChange[] => diffSchema(recorded(base), [{ api: 'x', table: { ...base, ...next } }]);
  const column2 = (c: Partial<ColumnDescription>): TableDescription['columns'] => base.columns.map((x) => (x.name === 'label' ? { ...x, ...c } : x));

  it.each([
    ['a longer string', { columns: column2({ length: 64 }) }, 'alter-column', 'safe', undefined],
    ['a shorter string', { columns: column2({ length: 8 }) }, 'alter-column', 'lossy', [{ kind: 'longer-than', column: 'label', length: 8 }]],
    ['a required attribute', { columns: column2({ nullable: false }) }, 'alter-column', 'rejecting', [{ kind: 'null', column: 'label' }]],
    ['another type', { columns: base.columns.map((x) => (x.name === 'label' ? { name: 'label', type: 'integer' as const, nullable: true, primaryKey: false } : x)) }, 'alter-column', 'lossy', [{ kind: 'not-null', column: 'label' }]],
    ['a removed enum value', { columns: base.columns.map((x) => (x.name === 'kind' ? { ...x, values: ['a'] } : x)) }, 'alter-column', 'rejecting', [{ kind: 'in', column: 'kind', values: ['b'] }]],
    ['a new required attribute', { columns: [...base.columns, { name: 'n', type: 'integer', nullable: false, primaryKey: false }] }, 'add-column', 'blocked', []],
    ['a new unique index', { indexes: [{ name: 't_label_uniq', columns: ['label'], unique: true }] }, 'add-index', 'rejecting', [{ kind: 'duplicates', columns: ['label'] }]],
    ['another primary key', { primaryKey: 'label' }, 'alter-column', 'blocked', undefined],
  ] as const)('classifies %s', (_what, next, kind, risk, where) => {
    const [change] = plan(next as Partial<TableDescription>);
    expect(change?.kind).toBe(kind);
    expect(change?.risk).toBe(risk);
    expect(change?.affects?.where).toEqual(where);
  });

  it('renames a column declared with renamedFrom instead of dropping and adding it', () => {
    const renamed = base.columns.map((x) => (x.name === 'label' ? { ...x, name: 'title', renamedFrom: ['label'] } : x));
    const changes = plan({ columns: renamed });
    expect(changes.map((c) => [c.kind, c.from, c.column?.name, c.risk])).toEqual([['rename-column', 'label', 'title', 'safe']]);
  });

  it('drops a recorded table only when asked to, counting its rows', () => {
    expect(diffSchema(recorded(base), [])).toEqual([]);
    const [drop] = diffSchema(recorded(base), [], { dropTablesOf: new Set(['x']) });
    expect(drop).toMatchObject({ kind: 'drop-table', risk: 'lossy', affects: { table: 't', where: [] } });
  });
});
