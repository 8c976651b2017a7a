/** `npm run plan`: what an apply of the current code would change; see lib/plan/cli.ts. */
import { catalogue } from '../apps/catalogue';
import { runPlanCli } from '../lib/tooling/plan/cli';

process.exitCode = runPlanCli(catalogue);
