import type { ErrorDetail } from '../errors/index.js';
import { parseIp } from '../model/index.js';
import { familyProblem } from './address-rules.js';
import type { TableAllocation } from './allocation.js';
import type { ScopeRows } from './scope-rows.js';
import type { TableInfo } from './table-info.js';

/**
 * The address rules of a row that the object its scope attribute references decides
 * (a VpnBinding's VPN): `family_from` rules with a `scope`, and an explicit value of an
 * allocated address attribute lying inside its pool (rule `in-pool`).
 * @internal
 */
export interface ScopedRules {
  readonly info: TableInfo;
  readonly allocation: TableAllocation | undefined;
}

function detail(offence: { field: string; rule: string; value: unknown }, why: string): ErrorDetail {
  const { field, rule, value } = offence;
  return { field, rule, value, message: `Invalid "${field}": ${why} (rule ${rule}).` };
}

/** The attributes these rules look at, with the scope attribute that decides them. */
function checkedColumns(rules: ScopedRules): { field: string; scope: string | undefined }[] {
  const out: { field: string; scope: string | undefined }[] = [];
  for (const attr of rules.info.object.attributes) {
    if (attr.familyFrom?.scope !== undefined) out.push({ field: attr.name, scope: attr.familyFrom.scope });
  }
  for (const column of rules.allocation?.columns ?? []) {
    if (column.attr.type === 'string') out.push({ field: column.attr.name, scope: column.spec.scope });
  }
  return out;
}

/**
 * True when the row (bound values, table column order) has a value these rules check
 * (and, for a scoped rule, a scope value): only then are the scope rows read. With
 * `changed`, only rules over those attributes count (an update).
 */
export function needsScopedCheck(rules: ScopedRules, values: readonly unknown[], changed?: readonly string[]): boolean {
  const at = (name: string): unknown => values[rules.info.columnNames.indexOf(name)];
  return checkedColumns(rules).some(
    ({ field, scope }) =>
      typeof at(field) === 'string' && (scope === undefined || (at(scope) ?? null) !== null) && (changed === undefined || changed.includes(field) || (scope !== undefined && changed.includes(scope))),
  );
}

async function familyProblems(rules: ScopedRules, values: readonly unknown[], rows: ScopeRows): Promise<ErrorDetail[]> {
  const { info } = rules;
  const out: ErrorDetail[] = [];
  for (const attr of info.object.attributes) {
    const rule = attr.familyFrom;
    const value = values[info.columnNames.indexOf(attr.name)];
    if (rule?.scope === undefined || typeof value !== 'string') continue;
    const key = values[info.columnNames.indexOf(rule.scope)];
    const row = await rows.row(rule.scope, key);
    if (row === undefined) continue; // no such object: the reference check answers
    const shown = `${rows.target(rule.scope)?.object.name ?? rule.scope} "${String(key)}"`;
    const problem = familyProblem({ field: attr.name, value, rule }, { row, shown });
    if (problem !== undefined) out.push(problem);
  }
  return out;
}

async function poolProblems(rules: ScopedRules, values: readonly unknown[], rows: ScopeRows): Promise<ErrorDetail[]> {
  const { allocation } = rules;
  const out: ErrorDetail[] = [];
  for (const column of allocation?.columns ?? []) {
    const value = values[column.index];
    const scope = column.scopeIndex === undefined ? undefined : values[column.scopeIndex];
    if (allocation === undefined || typeof value !== 'string' || (column.scopeIndex !== undefined && (scope ?? null) === null)) continue;
    const pool = await allocation.allocator.poolOf({ column, scope }, { values, rows });
    const address = parseIp(value);
    if (pool === undefined || address === undefined) continue;
    if (address.family === pool.family && address.value >= pool.first && address.value <= pool.last) continue;
    const where = column.spec.scope === undefined ? '' : ` of ${column.spec.scope} "${String(scope)}"`;
    out.push(detail({ field: column.attr.name, rule: 'in-pool', value }, `${value} is not a host of the pool ${pool.shown}${where}`));
  }
  return out;
}

/**
 * The problems of the scoped rules in a row (bound values, table column order), read
 * from the scope rows `rows` (inside the write transaction, or before it).
 */
export async function scopedProblems(rules: ScopedRules, values: readonly unknown[], rows: ScopeRows): Promise<ErrorDetail[]> {
  return [...(await familyProblems(rules, values, rows)), ...(await poolProblems(rules, values, rows))];
}
