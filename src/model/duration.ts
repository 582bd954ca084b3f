/** Durations written in specs: a whole number and a unit, such as `90s`, `15m`, `2h`, `7d`. */
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/** Milliseconds of a duration, or undefined when the text is not one. */
export function durationMs(text: string): number | undefined {
  const match = /^([1-9][0-9]{0,5})(s|m|h|d)$/.exec(text);
  if (match === null) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}
