/** Quote one word for the shell Claude Code runs hook and helper commands with (and for commands cc-otel tells the user to run). */
export function quoteArg(arg: string, platform: NodeJS.Platform = process.platform): string {
  if (platform === 'win32') return /^[A-Za-z0-9_\\/.:@+=-]+$/.test(arg) ? arg : `"${arg.replace(/"/g, '\\"')}"`;
  if (/^[A-Za-z0-9_/.,:@%+=-]+$/.test(arg)) return arg;
  if (!arg.includes("'")) return `'${arg}'`;
  // A path with a single quote: double quotes when nothing in it is special there (a simple form
  // that settings readers, cc-otel's own marker check included, split the same way as the shell).
  if (!/["$`\\!]/.test(arg)) return `"${arg}"`;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}
