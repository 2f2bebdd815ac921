/**
 * `pnpm sync` off a terminal (cron) writes the sync's JSON lines and nothing else: pnpm itself would add
 * its script banner (`> yclients-pg@ sync …`) before them and an `ELIFECYCLE` line after a non-zero exit.
 * pnpm has no per-script setting for that (pnpm/pnpm#4879), and `reporter=silent` in .npmrc would also
 * silence the errors of `pnpm install`; so the silent reporter is chosen here for this one command, only
 * when stdout is not a terminal. The exit code is the sync's either way.
 */
module.exports = {
  hooks: {
    updateConfig(config) {
      // process.argv: node, pnpm, then pnpm's options, the command and its arguments
      const words = process.argv.slice(2).filter((word) => !word.startsWith('-'));
      const script = words[0] === 'run' ? words[1] : words[0];
      if (script === 'sync' && !process.stdout.isTTY) return { ...config, reporter: 'silent' };
      return config;
    },
  },
};
