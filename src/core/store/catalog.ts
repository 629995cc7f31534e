import type { ApiModel, ObjectModel } from '../model/index.js';
import { buildTableInfo, tableKey, type TableInfo } from './table-info.js';

/** A table that references another through a foreign key. @internal */
export interface Referrer {
  readonly info: TableInfo;
  readonly column: string;
}

/** The tables the store knows, by API object, with their reverse references. @internal */
export class Catalog {
  private readonly infos = new Map<string, TableInfo>();
  private readonly byTable = new Map<string, TableInfo>();
  private readonly interfaces = new Map<string, TableInfo | null>();

  /** The table info of an object (built on first use, and again for another model of the same name: the models changed). */
  info(api: ApiModel, object: ObjectModel): TableInfo {
    const key = tableKey(api, object.name);
    let info = this.infos.get(key);
    if (info === undefined || info.object !== object) {
      info = buildTableInfo(api, object);
      this.infos.set(key, info);
      this.byTable.set(info.table.name, info);
    }
    return info;
  }

  /** The table info of an object of an API, by object name. */
  infoByName(api: ApiModel, objectName: string): TableInfo | undefined {
    const object = api.objects.find((o) => o.name === objectName);
    return object === undefined ? undefined : this.info(api, object);
  }

  /** Every table with a foreign key to `table`. */
  referrers(table: string): Referrer[] {
    const out: Referrer[] = [];
    for (const info of this.byTable.values()) {
      for (const fk of info.table.foreignKeys) if (fk.table === table) out.push({ info, column: fk.column });
    }
    return out;
  }

  /**
   * The table of a port's default interface: the API object with role `interface` whose
   * `api.parent` is the port object (and that has a parent key).
   */
  defaultInterface(api: ApiModel, port: ObjectModel): TableInfo | undefined {
    const key = tableKey(api, port.name);
    const cached = this.interfaces.get(key);
    if (cached !== undefined && (cached === null || cached.api === api)) return cached ?? undefined;
    const object = api.objects.find((o) => o.role === 'interface' && o.api.parent === port.name && o.api.parentKey !== undefined);
    const info = object === undefined ? undefined : this.info(api, object);
    this.interfaces.set(key, info ?? null);
    return info;
  }
}
