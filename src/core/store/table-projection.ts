import type { ApiModel, ColumnDescription, ObjectModel, TableDescription } from '../model/index.js';

/**
 * Interim copy of the model's `toTableDescription` projection (same contract), used until
 * `src/core/model` exports its own.
 * @internal
 */
export function describeTable(api: ApiModel, object: ObjectModel): TableDescription {
  const name = tableName(api, object.name);
  const columns: ColumnDescription[] = object.attributes.map((a) => {
    const nullable = !a.required && !a.primary;
    const base = { name: a.name, nullable, primaryKey: a.primary };
    switch (a.type) {
      case 'string':
        return { ...base, type: 'string', length: a.length ?? 255 };
      case 'uuid':
        return { ...base, type: 'string', length: a.length ?? 36 };
      case 'integer':
        return { ...base, type: a.format === 'int64' ? 'bigint' : 'integer' };
      case 'number':
        return { ...base, type: 'float' };
      case 'boolean':
        return { ...base, type: 'boolean' };
      case 'enum':
        return { ...base, type: 'enum', values: a.values ?? [] };
    }
    return { ...base, type: 'text' };
  });
  columns.push(
    { name: 'created_at', type: 'datetime', nullable: false, primaryKey: false },
    { name: 'updated_at', type: 'datetime', nullable: false, primaryKey: false },
    { name: 'revision_number', type: 'integer', nullable: false, primaryKey: false },
  );
  const foreignKeys = object.attributes.flatMap((a) => {
    if (a.reference === undefined) return [];
    const target = api.objects.find((o) => o.name === a.reference);
    if (target === undefined) return [];
    return [{ column: a.name, table: tableName(api, target.name), references: target.primaryKey, object: target.name }];
  });
  const indexes = foreignKeys.map((fk) => ({ name: `${name}_${fk.column}_idx`, columns: [fk.column], unique: false }));
  if (object.naturalKey.length > 0) indexes.push({ name: `${name}_natural_key`, columns: [...object.naturalKey], unique: true });
  return { name, object: object.name, columns, primaryKey: object.primaryKey, foreignKeys, indexes };
}

function snake(s: string): string {
  return s
    .replace(/(.)([A-Z][a-z]+)/g, '$1_$2')
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .toLowerCase();
}

function tableName(api: ApiModel, object: string): string {
  return `${api.name}_${api.versionId}_${snake(object)}`.replace(/[^A-Za-z0-9]+/g, '_').toLowerCase();
}
