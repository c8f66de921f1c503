import { Command, CommanderError } from 'commander';
import { registerBench } from './commands/bench.ts';
import { registerDocex } from './commands/docex.ts';
import { registerGateway } from './commands/gateway.ts';
import { registerGlobalconf } from './commands/globalconf.ts';
import { registerMigrate } from './commands/migrate.ts';
import { registerPki } from './commands/pki.ts';
import { registerRegistry } from './commands/registry.ts';
import { registerUp } from './commands/up.ts';
import { reportError } from './output.ts';

/** `lienthong`: one command line for the whole platform. */
const program = new Command()
  .name('lienthong')
  .description(
    'Liên Thông — e-Government interoperability platform (registry, gateways, document axis, registries, e-ID)',
  )
  .version('0.1.0')
  .showHelpAfterError('(run with --help for usage)')
  .exitOverride();

/** Options every command that opens databases or starts servers accepts. */
const common = (c: Command) =>
  c
    .option('-c, --config <file>', 'JSON configuration file')
    .option(
      '--database-url <url>',
      'use this PostgreSQL server (env DATABASE_URL) instead of the embedded database',
    )
    .option(
      '--data-dir <dir>',
      'directory of embedded databases and keys (env LIENTHONG_DATA_DIR, default .data)',
    )
    .option('--ephemeral', 'keep embedded databases in memory only')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent');

registerUp(program, common);
registerMigrate(program, common);
registerRegistry(program, common);
registerPki(program);
registerGlobalconf(program);
registerGateway(program);
registerDocex(program);
registerBench(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  process.exit(reportError(err));
}
