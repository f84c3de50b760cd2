// Which folder of src/ may import which (`npm run check` runs it). A feature folder is a Nest
// module's folder (users/, sessions/, auth/, ...). The bottom layer is config/, crypto/,
// database/, common/ and telemetry/ (tracing that the database driver reports to): they know no
// feature. Features use the bottom layer and each other's exported services, types and DTOs,
// and dependencies between folders point one way.
//
// Entities and repositories stay inside their module. No exception is needed for TypeORM: every
// module registers its own entity (TypeOrmModule.forFeature) and the data source loads them from
// there (autoLoadEntities), so no module imports another's entity to register it. The e2e specs
// under test/ are not cruised: they read rows directly to check what the server stored.

const BOTTOM = '^src/(config|crypto|database|common|telemetry)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-folder-cycle',
      comment:
        'Two folders of src/ that import each other, directly or through others: a shared type ' +
        'goes to the lower one or to common/, a shared service to a folder of its own.',
      severity: 'error',
      scope: 'folder',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'no-module-cycle',
      comment: 'A file that reaches itself through its imports.',
      severity: 'error',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'bottom-knows-no-feature',
      comment:
        'config/, crypto/, database/, common/ and telemetry/ import only each other (and ' +
        'packages), never a feature folder.',
      severity: 'error',
      from: { path: BOTTOM },
      to: { path: '^src/', pathNot: BOTTOM },
    },
    {
      name: 'config-imports-nothing',
      comment: 'Settings are read first, by everything: config/ imports no other folder of src/.',
      severity: 'error',
      from: { path: '^src/config/' },
      to: { path: '^src/', pathNot: '^src/config/' },
    },
    {
      name: 'no-foreign-repository-or-entity',
      comment:
        "Another module's repository or entity: use its exported service and the types it " +
        'exports (users/user-account.ts, sessions/live-session.ts, ...) instead.',
      severity: 'error',
      from: { path: '^src/([^/]+)/' },
      to: { path: '[.](repository|entity)[.]ts$', pathNot: '^src/$1/' },
    },
    {
      name: 'no-repository-or-entity-from-the-root',
      comment: 'The files at the root of src/ (app, CLI, OpenAPI) go through services too.',
      severity: 'error',
      from: { path: '^src/[^/]+[.]ts$' },
      to: { path: '[.](repository|entity)[.]ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '[.]spec[.]ts$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
    },
  },
};
