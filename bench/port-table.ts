import { DataTypes } from 'sequelize';
import type { ModelAttributeColumnOptions, ModelAttributes } from 'sequelize';
import type { AttributeModel, ObjectModel } from '../src/core/model/index.js';

/** The Sequelize column of one model attribute (the same SQL types the store derives). */
function columnOf(attr: AttributeModel): ModelAttributeColumnOptions {
  const allowNull = !attr.required && !attr.primary;
  const base = { allowNull, primaryKey: attr.primary };
  switch (attr.type) {
    case 'string':
      return { ...base, type: DataTypes.STRING(attr.length ?? 255) };
    case 'uuid':
      return { ...base, type: DataTypes.STRING(attr.length ?? 36) };
    case 'integer':
      return { ...base, type: attr.format === 'int64' ? DataTypes.BIGINT : DataTypes.INTEGER };
    case 'number':
      return { ...base, type: DataTypes.DOUBLE };
    case 'boolean':
      return { ...base, type: DataTypes.BOOLEAN };
    case 'enum':
      return { ...base, type: DataTypes.ENUM(...(attr.values ?? [])) };
  }
}

/**
 * Sequelize attributes of the baseline's port table: one column per model attribute,
 * plus `revision_number`; `created_at`/`updated_at` come from Sequelize timestamps.
 */
export function portAttributes(object: ObjectModel): ModelAttributes {
  const attributes: ModelAttributes = {};
  for (const attr of object.attributes) attributes[attr.name] = columnOf(attr);
  attributes['revision_number'] = { type: DataTypes.INTEGER, allowNull: false, defaultValue: 1 };
  return attributes;
}
