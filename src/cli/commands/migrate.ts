import type { Command } from 'commander';
import { migrate } from '../../kernel/db/migrate.ts';
import { COMPONENT_MIGRATIONS, openComponentDatabase } from '../federation.ts';
import { type CommonFlags, loadPlatformConfig } from '../platform-config.ts';

export function registerMigrate(program: Command, common: (c: Command) => Command): void {
  common(
    program
      .command('migrate')
      .description('Apply pending database migrations of every component (also done at start-up)')
      .option('--component <name>', `only this component (${Object.keys(COMPONENT_MIGRATIONS).join(', ')})`),
  ).action(async (flags: CommonFlags & { component?: string }) => {
    const config = loadPlatformConfig(flags);
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
