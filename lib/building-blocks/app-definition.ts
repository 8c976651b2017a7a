/**
 * What an app folder exports: a name, a line of description, the apps it
 * connects to, and a function that builds its chart for an environment.
 */
import { Construct } from 'constructs';
import { AppChart } from './app-chart';
import { Environment } from './environment';

/** Gives an app the built charts of the apps it declared in `uses`. */
export interface BuildContext {
  use<T extends AppChart>(app: AppDefinition<T>): T;
}

/** The contract of an app folder (`apps/<name>/app.ts`), listed in `apps/catalogue.ts`. */
export interface AppDefinition<T extends AppChart = AppChart> {
  /** The app's name: its chart id, namespace and output file. */
  readonly name: string;
  /** One line on what the app is, for `--help`, the summary and the picture. */
  readonly description: string;
  /**
   * Apps whose objects this one connects to (e.g. a service that uses the Kafka app's cluster).
   * They are built first and always synthesised with it, so `--only` never writes half a system.
   * @default - none
   */
  readonly uses?: readonly AppDefinition[];
  build(scope: Construct, env: Environment, context: BuildContext): T;
}
