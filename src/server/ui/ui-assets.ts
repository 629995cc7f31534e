import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundledUiDir } from '../bundled-models.js';

/** One file of the live view, held in memory. */
export interface UiAsset {
  /** The `Content-Type` it is served with. */
  readonly type: string;
  /** The file's text. */
  readonly body: string;
}

/** The live view's files: the page, its script module and its style sheet. */
export interface UiAssets {
  /** `index.html`. */
  readonly page: UiAsset;
  /** `app.js`, a script module. */
  readonly script: UiAsset;
  /** `app.css`. */
  readonly style: UiAsset;
}

/** Reads the live view's files from the package's `ui/` directory (once, when the server is built). */
export async function loadUiAssets(dir: string = bundledUiDir()): Promise<UiAssets> {
  const read = (name: string): Promise<string> => readFile(join(dir, name), 'utf8');
  const [page, script, style] = await Promise.all([read('index.html'), read('app.js'), read('app.css')]);
  return {
    page: { type: 'text/html; charset=utf-8', body: page },
    script: { type: 'text/javascript; charset=utf-8', body: script },
    style: { type: 'text/css; charset=utf-8', body: style },
  };
}
