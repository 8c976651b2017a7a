/**
 * This project's environments, in one place: `npm run synth -- --env <name>` takes their names, the first is the
 * default, and tests synthesise every one of them. A construct picks per-environment values by tier
 * (`env.pick({ local: 1, production: 3 })`), optionally per name (`{ local: 1, production: 3, staging: 2 }`), so
 * adding an environment here needs no change anywhere else. See "Environments" in README.md.
 */
import { Environment, Environments } from './lib/building-blocks/environment';

export const environments = new Environments([
  Environment.LOCAL,
  // Your production: replace the documentation values (example.com, 192.0.2.10) with your cluster's, e.g.
  // Environment.PRODUCTION.with({ baseDomain: 'apps.acme.dev', apiServer: { cidrs: ['10.0.12.4/32', '10.0.13.9/32'], ports: [443] } }),
  Environment.PRODUCTION,
  // Another environment is one entry, e.g.
  // Environment.define({ name: 'staging', tier: EnvironmentTier.PRODUCTION, baseDomain: 'staging.acme.dev', apiServer: { cidrs: ['10.1.0.4/32'], ports: [443] } }),
]);
