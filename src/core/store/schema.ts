import { DataTypes, type Sequelize } from 'sequelize';
import { OUTBOX_TABLE } from './outbox.js';
import type { Dialect } from './sql-text.js';

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
