import type { Command } from 'commander';
import { type CommonFlags, loadPlatformConfig } from '../platform-config.ts';

export function registerMigrate(program: Command, common: (c: Command) => Command): void {
  // Kept in step with COMPONENT_MIGRATIONS in federation.ts, which is loaded only when run.
  const components = ['registry'];
  common(
    program
      .command('migrate')
      .description('Apply pending database migrations of every component (also done at start-up)')
      .option('--component <name>', `only this component (${components.join(', ')})`),
  ).action(async (flags: CommonFlags & { component?: string }) => {
    const config = loadPlatformConfig(flags, {}, { ca: false });
    const { migrate } = await import('../../kernel/db/migrate.ts');
    const { COMPONENT_MIGRATIONS, openComponentDatabase } = await import('../federation.ts');
    const names = flags.component ? [flags.component] : Object.keys(COMPONENT_MIGRATIONS);
    for (const name of names) {
      if (!(name in COMPONENT_MIGRATIONS)) {
        throw new Error(
          `Unknown component "${name}". Known: ${Object.keys(COMPONENT_MIGRATIONS).join(', ')}.`,
        );
      }
      const database = await openComponentDatabase(config, name as keyof typeof COMPONENT_MIGRATIONS);
      try {
        const result = await migrate(database.db as never, [
          ...COMPONENT_MIGRATIONS[name as keyof typeof COMPONENT_MIGRATIONS],
        ]);
        for (const a of result.applied) process.stdout.write(`${name}: applied ${a.module}/${a.name}\n`);
        process.stdout.write(
          `${name}: ${result.applied.length} applied, ${result.alreadyApplied} already applied (${database.location})\n`,
        );
      } finally {
        await database.close();
      }
    }
  });
}
