/** Entry point of `npm run validate`. */
import { runValidateCli } from '../lib/validation/cli';

runValidateCli();
