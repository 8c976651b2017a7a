/**
 * The order in which apps are built: each after the apps it uses.
 */
import { AppDefinition } from '../../building-blocks/app-definition';

/** The apps with everything they use, dependencies first, each once; refuses cycles. */
export function withDependencies(apps: readonly AppDefinition[]): AppDefinition[] {
  const ordered: AppDefinition[] = [];
  const visiting: string[] = [];
  const visit = (app: AppDefinition): void => {
    if (ordered.includes(app)) return;
    if (visiting.includes(app.name)) throw new Error(`app '${app.name}' uses itself through ${visiting.join(' -> ')}; remove one of the uses`);
    visiting.push(app.name);
    for (const dep of app.uses ?? []) visit(dep);
    visiting.pop();
    if (ordered.some((a) => a.name === app.name)) throw new Error(`two different apps are named '${app.name}'; give each app its own name`);
    ordered.push(app);
  };
  for (const app of apps) visit(app);
  return ordered;
}
