/**
 * What an app folder exports: a name, a line of description, and a function
 * that builds its chart for an environment.
 */
import { Construct } from 'constructs';
import { AppChart } from '../app-chart';
import { Environment } from '../environment';

export interface AppDefinition {
  /** The app's name: its chart id, namespace and output file. */
  readonly name: string;
  readonly description: string;
  build(scope: Construct, env: Environment): AppChart;
}
