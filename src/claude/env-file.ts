/**
 * $CLAUDE_ENV_FILE is a shell script Claude Code sources before every Bash command, so every
 * value we write is single-quoted: inside '…' nothing is special except the quote itself, which
 * becomes '\'' . Newlines, $(…), backticks, ; and & are inert.
 */
import { appendPrivateFile } from '../fs/private-file.js';
import { CcOtelError } from '../errors.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function shellQuote(value: string): string {
  if (value.includes('\0')) throw new CcOtelError('IO', 'a value contains a NUL byte and cannot be written to a shell file');
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

export function renderExports(vars: ReadonlyArray<{ name: string; value: string }>): string {
  return vars
    .map(({ name, value }) => {
      if (!NAME.test(name)) throw new CcOtelError('IO', `"${name}" is not a valid shell variable name`);
      return `export ${name}=${shellQuote(value)}\n`;
    })
    .join('');
}

/**
 * dotenv.parse() has no escape for a quote or a backslash: '…' and `…` are literal (newlines
 * included), "…" only turns \n and \r into line breaks; a bare \r anywhere becomes \n. So pick a
 * quote the value does not contain, and refuse what no form carries intact.
 */
function dotenvQuote(name: string, value: string): string {
  if (value.includes('\0')) throw new CcOtelError('IO', `the value of ${name} contains a NUL byte and cannot be written to a .env file`);
  if (!value.includes('\r') && !value.includes("'")) return `'${value}'`;
  if (!value.includes('\r') && !value.includes('`')) return `\`${value}\``;
  if (!value.includes('"') && !/\\[nr]/.test(value)) return `"${value.replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
  throw new CcOtelError('IO', `the value of ${name} cannot be written to a .env file intact (it mixes quote characters with a carriage return or a backslash escape); use --format shell or json`);
}

export function renderDotenv(vars: ReadonlyArray<{ name: string; value: string }>): string {
  return vars
    .map(({ name, value }) => {
      if (!NAME.test(name)) throw new CcOtelError('IO', `"${name}" is not a valid variable name`);
      return `${name}=${dotenvQuote(name, value)}\n`;
    })
    .join('');
}

/**
 * Append to the env file (Claude Code creates it 0644; it may carry a key, so 0600). One write
 * call with O_APPEND: another hook appending at the same time cannot split our block. No fsync:
 * Claude Code reads the file moments later from the page cache, and it does not outlive a reboot.
 * Through private-file.ts: a symlink, FIFO, hard link or someone else's file at the name is refused
 * (CcOtelError UNSAFE_FILE) — never written to, never chmod'ed.
 */
export function appendEnvFile(path: string, content: string): void {
  appendPrivateFile(path, content, { what: '$CLAUDE_ENV_FILE' });
}
