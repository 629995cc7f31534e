/**
 * The model part: Gluon API specs (YAML) → immutable {@link ApiModel}s, and the pure
 * projections every other part derives from them (JSON Schemas, table descriptions,
 * routes, OpenAPI).
 * @packageDocumentation
 */
export { SCALAR_TYPES, STRING_FORMATS, INTEGER_FORMATS, POLICY_ACTIONS } from './types.js';
export type {
  ScalarType,
  StringFormat,
  IntegerFormat,
  PolicyAction,
  ObjectRole,
  SourceLocation,
  AttributeModel,
  ObjectApi,
  ObjectModel,
  ApiModel,
  SqlType,
  ColumnDescription,
  ForeignKeyDescription,
  IndexDescription,
  TableDescription,
  JsonSchema,
  ObjectSchemas,
  RouteParam,
  RouteDescription,
} from './types.js';
// loader (helper "model-compiler"): loadModels, LoadModelsOptions, findObject…
// projections (helper "projections"): toObjectSchemas, toTableDescription, toRoutes
