/**
 * The synth pipeline: build the selected apps for an environment, collect
 * plain manifests, validate them, draw them, and write them atomically. Nothing is
 * written unless everything succeeded.
 */
import { App } from 'cdk8s';
import { Environment } from '../../building-blocks/environment';
import { formatFindings } from '../validation/finding';
import { validateManifests, ValidationResult } from '../validation';
import { AppChart } from '../../building-blocks/app-chart';
import { renderDot } from '../graph/dot';
import { buildGraph } from '../graph/model';
import { SvgRenderer } from '../graph/render';
import { AppDefinition } from '../../building-blocks/app-definition';
import { attribute, withDeepStacks } from './attribute';
import { warningsOf } from '../../building-blocks/warnings';
import { withDependencies } from './catalogue';
import { collectManifests } from './collect';
import { ManifestRecord } from '../manifest/manifest';
import { renderFiles, renderKustomization, writeAtomically } from './write';

export class SynthError extends Error {}

export interface SynthOptions {
  readonly env: Environment;
  readonly apps: readonly AppDefinition[];
  /** Where to write; nothing is written when undefined. */
  readonly outdir?: string;
  /**
   * Draws `graph.svg` from `graph.dot`.
   * @default - only graph.dot is written
   */
  readonly renderSvg?: SvgRenderer;
}

export interface SynthResult {
  readonly records: ManifestRecord[];
  readonly files: Map<string, string>;
  readonly validation: ValidationResult;
  /** How many nodes the graph has, and whether graph.svg was drawn. */
  readonly graph: { readonly nodes: number; readonly drawn: boolean };
  /** What constructs flagged as accepted by Kubernetes but surprising (e.g. a CronJob in a daylight-saving jump). */
  readonly warnings: string[];
}

/**
 * Above this many nodes graph.svg is not drawn (graph.dot still is): such a picture is not readable, and at
 * 3,000 nodes Graphviz adds a quarter of a second and 2.8 MB to every synth.
 */
export const MAX_DRAWN_NODES = 400;

/**
 * Builds the apps, and the apps they use, into one cdk8s App; an error names
 * the construct being built (never the last one created) and the user's line.
 */
export function buildApps(env: Environment, apps: readonly AppDefinition[]): App {
  const app = new App({ outdir: '.', recordConstructMetadata: false });
  const built = new Map<AppDefinition, AppChart>();
  let ordered: AppDefinition[];
  try {
    ordered = withDependencies(apps);
  } catch (err) {
    throw new SynthError(err instanceof Error ? err.message : String(err));
  }
  for (const def of ordered) {
    const context = {
      use: <T extends AppChart>(dep: AppDefinition<T>): T => {
        if (!(def.uses ?? []).includes(dep as AppDefinition)) throw new Error(`app '${def.name}' uses app '${dep.name}' without declaring it; add it to uses`);
        return built.get(dep as AppDefinition) as T;
      },
    };
    try {
      built.set(def, withDeepStacks(() => def.build(app, env, context)));
    } catch (err) {
      throw new SynthError(`${attribute(app, def.name, err)}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return app;
}

export function synthesize(options: SynthOptions): SynthResult {
  const app = buildApps(options.env, options.apps);
  const records = collectManifests(app);
  const validation = validateManifests(records, { requireSpread: options.env.highAvailability });
  if (validation.findings.length > 0) {
    throw new SynthError(`validation found ${validation.findings.length} problem(s); nothing was written:\n${formatFindings(validation.findings)}`);
  }
  const files = renderFiles(records);
  files.set('Kustomization', renderKustomization([...files.keys()]));
  const graph = buildGraph(records);
  const dot = renderDot(graph, `shipshape, env ${options.env.name}: ${options.apps.map((a) => a.name).join(', ')}`);
  files.set('graph.dot', dot);
  const drawn = options.renderSvg !== undefined && graph.nodes.length <= MAX_DRAWN_NODES;
  if (drawn) files.set('graph.svg', options.renderSvg!(dot));
  if (options.outdir) writeAtomically(options.outdir, files);
  return { records, files, validation, graph: { nodes: graph.nodes.length, drawn }, warnings: warningsOf(app) };
}
