/** Entry point of `npm run validate`. */
import { runValidateCli } from '../lib/tooling/validation/cli';

runValidateCli();
