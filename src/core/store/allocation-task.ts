import { StoreError } from '../errors/index.js';
import { formatIp, parseIp, type ApiModel } from '../model/index.js';
import { assertAddressRules, assertNoProblems } from './address-rules.js';
import { allocationConflict, type AllocatedColumn, type PoolAllocator, type TakenValue } from './allocation.js';
import type { Database, Tx } from './database.js';
import type { RowAttempt } from './explain.js';
import { insertPlanned, type PlannedRow, type WriteTask } from './group-writer.js';
import { objectKey, objectValue, outboxRow } from './outbox.js';
import type { TableInfo } from './table-info.js';
import type { StoredObject } from './types.js';
import { fromDbValue } from './values.js';
import { scopedProblems } from './scope-rules.js';

/** Values a concurrent writer may take first before a create gives up (MySQL; each retry skips them). */
const MAX_ALLOCATION_RETRIES = 64;

/** A create whose row leaves allocated attributes to their pools. @internal */
export interface AllocatingCreate {
  readonly db: Database;
  readonly api: ApiModel;
  readonly info: TableInfo;
  readonly allocator: PoolAllocator;
  readonly columns: readonly AllocatedColumn[];
  /** The planned rows; the first is the object's own row. */
  readonly rows: readonly PlannedRow[];
  /** The rows a failure is explained with; the first is replaced by the allocated row. */
  readonly attempts: RowAttempt[];
  /** When the outbox rows were planned. */
  readonly at: Date;
  /** Publish the commit at once (the store write option `urgent`). */
  readonly urgent?: boolean;
  /** Turns a failure into the caller's error. */
  explain(err: unknown, tx: Tx): Promise<Error>;
}

/** The object a row of bound values stores. */
function toObject(info: TableInfo, values: readonly unknown[]): StoredObject {
  const out: Record<string, unknown> = {};
  info.table.columns.forEach((c, i) => {
    out[c.name] = fromDbValue(c, values[i]);
  });
  return out;
}

/** An address in its canonical text (`2001:DB8::1` → `2001:db8::1`); anything else unchanged. @internal */
export function canonicalAddress(value: unknown): unknown {
  const parsed = typeof value === 'string' ? parseIp(value) : undefined;
  return parsed === undefined ? value : formatIp(parsed);
}

/**
 * Addresses given explicitly for allocated attributes in their canonical text, so the
 * unique index compares addresses, not spellings (`2001:DB8::1` = `2001:db8::1`), and the
 * allocator finds them by their text. `values` are bound, in table column order.
 * @internal
 */
export function canonicalAddresses(columns: readonly AllocatedColumn[], values: unknown[]): void {
  for (const column of columns) {
    if (column.attr.type === 'string') values[column.index] = canonicalAddress(values[column.index]);
  }
}

/**
 * The write task of an allocating create: inside the write transaction it draws the
 * missing values, checks the address rules on the result (the subnet, and the families
 * and pools of the scope object, read in the same transaction), and inserts the row
 * with its outbox rows. On MySQL another server may commit the same value first: the unique index
 * refuses the INSERT (the transaction goes on) and the task draws again without it.
 * @internal
 */
export function allocatingTask(create: AllocatingCreate): WriteTask<StoredObject> {
  const { db, api, info } = create;
  const first = create.rows[0];
  if (first === undefined) throw new Error('an allocating create needs its object row');
  const planned = first.values;
  const pk = String(planned[info.columnNames.indexOf(info.pk.name)]);
  const mirrorKey = objectKey(api, info.object, pk);
  return {
    run: async (tx) => {
      const taken: TakenValue[] = [];
      const scopeRows = create.allocator.scopeRows(tx);
      for (let attempt = 0; ; attempt++) {
        const values = [...planned];
        await create.allocator.fill(tx, values, { taken, rows: scopeRows });
        const result = toObject(info, values);
        assertAddressRules(info.object, result);
        assertNoProblems(info.object, await scopedProblems({ info, allocation: create }, values, scopeRows));
        create.attempts[0] = { info, values };
        const rows = create.rows.map((row, i) =>
          i === 0 ? { target: row.target, values } : row.values[0] === mirrorKey ? outboxRow(mirrorKey, objectValue(api, result), create.at) : row,
        );
        try {
          await insertPlanned(db, tx, rows);
          return result;
        } catch (err) {
          const conflict = db.dialect === 'mysql' ? allocationConflict(err, info, create.columns) : undefined;
          if (conflict === undefined) throw err;
          if (attempt >= MAX_ALLOCATION_RETRIES) {
            throw new StoreError('GLUON_ERR_STORE_UNAVAILABLE', `Other writers kept taking the free ${conflict.attr.name} values first; retry the request.`, { cause: err });
          }
          taken.push({ column: conflict.attr.name, value: String(values[conflict.index]) });
        }
      }
    },
    urgent: create.urgent === true,
    explain: (err, tx) => create.explain(err, tx),
  };
}
