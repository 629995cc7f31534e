/** `ip` in the PoC's namespaces, and the namespaces of a run. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs a command; rejects with the command line and its stderr. */
export async function sh(command: string, args: readonly string[]): Promise<string> {
  try {
    return (await run(command, [...args], { encoding: 'utf8' })).stdout;
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`${command} ${args.join(' ')} failed: ${stderr.trim() || (err as Error).message}`, { cause: err });
  }
}

/** `ip -n <ns> <args>`. */
export function ipIn(ns: string, args: readonly string[]): Promise<string> {
  return sh('ip', ['-n', ns, ...args]);
}

/** Every network namespace whose name starts with `prefix`. */
export async function namespacesWithPrefix(prefix: string): Promise<string[]> {
  const out = await sh('ip', ['-j', 'netns', 'list']);
  const list = out.trim() === '' ? [] : (JSON.parse(out) as { name: string }[]);
  return list.map((n) => n.name).filter((n) => n.startsWith(prefix));
}

/** Whether a namespace exists. */
export async function namespaceExists(ns: string): Promise<boolean> {
  return (await namespacesWithPrefix(ns)).includes(ns);
}

/** Kills every process inside the namespace, then deletes it (no error when absent). */
export async function deleteNamespace(ns: string): Promise<void> {
  if (!(await namespaceExists(ns))) return;
  const pids = (await sh('ip', ['netns', 'pids', ns])).split('\n').map(Number).filter((p) => Number.isInteger(p) && p > 0);
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
  await sh('ip', ['netns', 'del', ns]);
}

/** Whether a link exists in a namespace. */
export async function linkExists(ns: string, link: string): Promise<boolean> {
  const out = await ipIn(ns, ['-j', 'link', 'show']);
  return (JSON.parse(out) as { ifname: string }[]).some((l) => l.ifname === link);
}
