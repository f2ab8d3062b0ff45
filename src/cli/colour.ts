/**
 * Colours for the CLI's human output: only when the output is a terminal and NO_COLOR is not set
 * (https://no-color.org), never in what scripts read (pipes, files, --json).
 * @module
 */
export type Style = 'dim' | 'bold' | 'green' | 'red';

const CODES: Readonly<Record<Style, string>> = { dim: '2', bold: '1', green: '32', red: '31' };

/** A painter: ANSI styles when `enabled`, the text unchanged otherwise. */
export function painter(enabled: boolean): (style: Style, text: string) => string {
  return enabled ? (style, text) => `\x1b[${CODES[style]}m${text}\x1b[0m` : (_style, text) => text;
}

/** Whether to colour: stdout is a TTY and NO_COLOR is unset or empty. */
export function colourWanted(isTTY: boolean | undefined, env: Readonly<Record<string, string | undefined>>): boolean {
  return isTTY === true && (env['NO_COLOR'] ?? '') === '';
}
