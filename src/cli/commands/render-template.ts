import { copyFile, mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** Suffix of every template file: keeps the templates out of the package's own build, lint and tests. */
export const TEMPLATE_SUFFIX = '.tmpl';

/** File names npm would drop from the tarball, stored under another name in the templates. */
const RENAMED: Readonly<Record<string, string>> = { gitignore: '.gitignore' };

/** Where {@link renderTemplate} reads and writes, and what it fills in. */
export interface RenderTemplateOptions {
  /** The template directory (`templates/<kind>` of the package). */
  readonly from: string;
  /** The directory of the new package (created when missing). */
  readonly to: string;
  /** Values of the `{{key}}` placeholders, in file contents and file names. */
  readonly values: Readonly<Record<string, string>>;
}

/**
 * Copies a template directory: each `<file>.tmpl` becomes `<file>` with every `{{key}}`
 * replaced by its value; files without the suffix are copied as they are.
 *
 * @returns the paths written, relative to `to`, in name order.
 * @throws Error naming the file and the placeholder when a placeholder has no value.
 */
export async function renderTemplate(options: RenderTemplateOptions): Promise<string[]> {
  const written: string[] = [];
  for (const source of await listFiles(options.from)) {
    const path = targetPath(relative(options.from, source), options.values);
    const target = join(options.to, path);
    await mkdir(dirname(target), { recursive: true });
    if (source.endsWith(TEMPLATE_SUFFIX)) {
      await writeFile(target, fillPlaceholders(await readFile(source, 'utf8'), options.values, source));
    } else {
      await copyFile(source, target);
    }
    written.push(path);
  }
  return written;
}

/** Replaces every `{{key}}` of a text by its value. */
export function fillPlaceholders(text: string, values: Readonly<Record<string, string>>, file: string): string {
  return text.replace(/\{\{([\w:@/.-]+)\}\}/g, (_match, key: string) => {
    const value = values[key];
    if (value === undefined) throw new Error(`template ${file}: no value for the placeholder {{${key}}}`);
    return value;
  });
}

function targetPath(templatePath: string, values: Readonly<Record<string, string>>): string {
  const withoutSuffix = templatePath.endsWith(TEMPLATE_SUFFIX) ? templatePath.slice(0, -TEMPLATE_SUFFIX.length) : templatePath;
  const parts = withoutSuffix.split(/[\\/]/).map((part) => RENAMED[part] ?? part);
  return fillPlaceholders(parts.join('/'), values, templatePath);
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
