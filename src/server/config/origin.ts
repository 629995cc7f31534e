/** Where a configuration value came from. */
export type ConfigSource = 'flag' | 'env' | 'file' | 'option' | 'default';

/** Where one raw value was read: its source and the name it has there (`--port`, `GLUON_PORT`, `port`). */
export interface ValueOrigin {
  readonly source: ConfigSource;
  /** The flag, environment variable, file key or option name the value was given as. */
  readonly name: string;
  /** The config file, when `source` is `file`. */
  readonly file?: string;
}

/** Describes an origin for a message: `flag --port`, `environment variable GLUON_PORT`, `config file ./gluon.yaml key "port"`. */
export function describeOrigin(origin: ValueOrigin): string {
  switch (origin.source) {
    case 'flag':
      return `flag ${origin.name}`;
    case 'env':
      return `environment variable ${origin.name}`;
    case 'file':
      return `config file ${origin.file ?? 'gluon.yaml'} key "${origin.name}"`;
    case 'option':
      return `option ${origin.name}`;
    case 'default':
      return `default ${origin.name}`;
  }
}
