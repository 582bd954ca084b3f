/** What both executables do around their main function: Ctrl-C, closed pipes, the exit code. */
type Main = (argv: readonly string[]) => Promise<number>;

export async function runAsBin(main: Main): Promise<void> {
  process.on('SIGINT', () => process.exit(130));
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    // Piped into `head`: stop quietly when the reader goes away.
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
  process.exitCode = await main(process.argv.slice(2));
}
