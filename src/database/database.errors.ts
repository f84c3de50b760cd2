/** The embedded database's folder is held by another process. */
export class DataDirInUseError extends Error {
  constructor(dir: string, pid: number) {
    super(
      `The embedded database in ${dir} is in use by process ${pid}. ` +
        'Stop that process, or give this one another DATA_DIR (or a DATABASE_URL).',
    );
    this.name = 'DataDirInUseError';
  }
}

/** The command that moves a folder of the previous release (kept in step with src/cli.ts). */
const UPGRADE = 'npm run cli -- embedded-upgrade';

/**
 * The embedded database's folder was written by a PostgreSQL major version this release does not
 * embed (`found` is 'none' when an upgrade stopped before the new folder took the old one's place).
 */
export class DataDirVersionError extends Error {
  constructor(
    readonly dir: string,
    readonly found: string,
    embedded: string,
    upgradable: string,
  ) {
    super(
      found === 'none'
        ? `The embedded database in ${dir} is missing and ${dir}.upgrading is beside it: an ` +
            `upgrade did not finish. Run \`${UPGRADE}\` (with the server stopped) to finish it.`
        : found === upgradable
          ? `The embedded database in ${dir} was written by PostgreSQL ${found} (the previous ` +
            `release), and this release embeds PostgreSQL ${embedded}, which cannot open it. ` +
            `Stop the server and run \`${UPGRADE}\` (\`node dist/src/cli.js embedded-upgrade\` ` +
            `in a built image): it copies the data into a new folder, checks it, and keeps the ` +
            `old folder beside it as ${dir}.pg${found}.`
          : `The embedded database in ${dir} was written by PostgreSQL ${found}, and this ` +
            `release embeds PostgreSQL ${embedded}, which cannot open it; \`${UPGRADE}\` moves ` +
            `folders of PostgreSQL ${upgradable} only. The folder was left untouched.`,
    );
    this.name = 'DataDirVersionError';
  }
}

/** `embedded-upgrade` stopped; `message` says what was found and where the data is. */
export class EmbeddedUpgradeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EmbeddedUpgradeError';
  }
}
