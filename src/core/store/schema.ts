import { DataTypes, type ModelAttributeColumnOptions, type ModelAttributes, type Sequelize } from 'sequelize';
import type { ColumnDescription, TableDescription } from '../model/index.js';
import { OUTBOX_TABLE } from './outbox.js';
import { q, type Dialect } from './sql-text.js';

function sqlString(s: string): string {
  return `'${s.replaceAll("'", "''")}'`;
}

function columnType(column: ColumnDescription, dialect: Dialect): ModelAttributeColumnOptions['type'] {
  switch (column.type) {
    case 'string':
      return DataTypes.STRING(column.length ?? 255);
    case 'text':
      return dialect === 'mysql' ? DataTypes.TEXT('medium') : DataTypes.TEXT;
    case 'integer':
      return DataTypes.INTEGER;
    case 'bigint':
      return DataTypes.BIGINT;
    case 'float':
      return DataTypes.DOUBLE;
    case 'boolean':
      return DataTypes.BOOLEAN;
    case 'datetime':
      return DataTypes.DATE(3);
    case 'enum': {
      const values = column.values ?? [];
      if (dialect === 'mysql') return DataTypes.ENUM(...values);
      const width = Math.max(1, ...values.map((v) => v.length));
      // SQLite has no ENUM: a VARCHAR with a named CHECK (the name identifies the column in errors)
      return `VARCHAR(${width}) CONSTRAINT ${q(`ck_${column.name}`)} CHECK (${q(column.name)} IN (${values.map(sqlString).join(', ')}))`;
    }
  }
  return DataTypes.TEXT;
}

/** Defines (in Sequelize) the table of one table description. @internal */
export function defineTable(sequelize: Sequelize, table: TableDescription, dialect: Dialect): void {
  if (sequelize.isDefined(table.name)) return;
  const fks = new Map(table.foreignKeys.map((fk) => [fk.column, fk]));
  const attributes: ModelAttributes = {};
  for (const column of table.columns) {
    const fk = fks.get(column.name);
    attributes[column.name] = {
      type: columnType(column, dialect),
      allowNull: column.nullable && !column.primaryKey,
      primaryKey: column.primaryKey,
      ...(fk === undefined ? {} : { references: { model: fk.table, key: fk.references } }),
    };
  }
  sequelize.define(table.name, attributes, {
    tableName: table.name,
    timestamps: false,
    freezeTableName: true,
    indexes: table.indexes.map((i) => ({ name: i.name, unique: i.unique, fields: [...i.columns] })),
    ...(dialect === 'mysql' ? { charset: 'utf8mb4', collate: 'utf8mb4_bin' } : {}),
  });
}

/** Defines the outbox table `gluon_outbox`. @internal */
export function defineOutbox(sequelize: Sequelize, dialect: Dialect): void {
  if (sequelize.isDefined(OUTBOX_TABLE)) return;
  sequelize.define(
    OUTBOX_TABLE,
    {
      seq: { type: dialect === 'mysql' ? DataTypes.BIGINT : DataTypes.INTEGER, primaryKey: true, autoIncrement: true },
      key: { type: DataTypes.STRING(512), allowNull: false },
      value: { type: dialect === 'mysql' ? DataTypes.TEXT('medium') : DataTypes.TEXT, allowNull: true },
      created_at: { type: DataTypes.DATE(3), allowNull: false },
    },
    {
      tableName: OUTBOX_TABLE,
      timestamps: false,
      freezeTableName: true,
      ...(dialect === 'mysql' ? { charset: 'utf8mb4', collate: 'utf8mb4_bin' } : {}),
    },
  );
}
