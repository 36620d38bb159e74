/**
 * A stranger's text — a directory name, a key or a value from an untrusted file — may hold a
 * newline or a terminal escape (`\u001b[2K\r` erases the line it is on, so a repository could hide
 * its endpoint from the very line that asks the user to trust it). Shown to a person, every such
 * text goes through this: control characters become `?`.
 */
export const printable = (s: string): string => s.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
