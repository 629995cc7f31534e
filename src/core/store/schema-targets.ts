import { toTableDescriptions, type ApiModel } from '../model/index.js';
import type { SchemaTarget } from './schema-description.js';

/**
 * The tables the store keeps for these models, referenced tables first: one per API
 * object of every API version. The one place that decides which table descriptions the
 * schema tracking compares and migrates. @internal
 */
export function schemaTargets(models: readonly ApiModel[]): SchemaTarget[] {
  return models.flatMap((api) => toTableDescriptions(api).map((table) => ({ api: api.name, table })));
}
