import { WarrenError } from '../errors/index.js';
import { cloudflaredArgv } from './cloudflared/cloudflared-argv.js';
import { buildProgram } from './program.js';

const program = buildProgram();
try {
  await program.parseAsync(cloudflaredArgv(program, process.argv, process.env), { from: 'node' });
} catch (err) {
  if (err instanceof WarrenError) {
    process.stderr.write(`warren: ${err.message} [${err.code}]\n`);
  } else {
    process.stderr.write(`warren: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  process.exit(1);
}
