/** `npm run plan`: what an apply of the current code would change; see lib/tooling/plan/cli.ts. */
import { catalogue } from '../apps/catalogue';
import { environments } from '../environments';
import { runPlanCli } from '../lib/tooling/plan/cli';

process.exitCode = runPlanCli(catalogue, process.argv, process.cwd(), environments);
