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
import { buildGraph, SystemGraph } from '../graph/model';
import { SvgRenderer } from '../graph/render';
import { keptPicture } from '../graph/svg-cache';
import { AppDefinition } from '../../building-blocks/app-definition';
import { attribute, withDeepStacks } from './attribute';
import { warningsOf } from '../../building-blocks/warnings';
import { withDependencies } from './catalogue';
import { collectManifests } from './collect';
import { ManifestRecord } from '../manifest/manifest';
import { StageClock } from './stages';
import { refusalToReplace, renderFiles, renderKustomization, writeAtomically } from './write';

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
  /** Milliseconds per stage. */
  readonly stages: Readonly<Record<string, number>>;
  /** Files the previous output folder held that this synth did not write (e.g. other apps' files after `--only`). */
  readonly dropped: readonly string[];
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
  const clock = new StageClock();
  // Refused before any work, so that a wrong --outdir fails fast; writeAtomically checks again.
  checkOutdir(options.outdir);
  const { records, warnings } = buildRecords(options, clock);
  const validation = clock.time('validation', () => validateManifests(records, { requireSpread: options.env.highAvailability, minKubernetesVersion: options.env.config.minKubernetesVersion }));
  rejectFindings(validation);
  const { files, graph, dot } = renderOutput(options, records, clock);
  const drawn = options.renderSvg !== undefined && graph.nodes.length <= MAX_DRAWN_NODES;
  if (drawn) files.set('graph.svg', clock.time('picture', () => keptPicture(dot, options.renderSvg!)));
  const dropped = options.outdir ? clock.time('write', () => writeAtomically(options.outdir!, files)) : [];
  return { records, files, validation, graph: { nodes: graph.nodes.length, drawn }, warnings, stages: clock.times, dropped };
}

/** Refuses an output folder the synth did not make (see refusalToReplace), before anything is built. */
export function checkOutdir(outdir: string | undefined): void {
  const refusal = outdir ? refusalToReplace(outdir) : undefined;
  if (refusal) throw new SynthError(refusal);
}

/** The construct tree of the apps, resolved into plain manifests (the steps before the gate). */
export function buildRecords(options: SynthOptions, clock: StageClock, sink?: (batch: ManifestRecord[]) => void): { records: ManifestRecord[]; warnings: string[] } {
  const app = clock.time('construct tree', () => buildApps(options.env, options.apps));
  // Only plain data is kept: the construct tree can be freed before YAML and validation (peak memory at scale).
  return { records: clock.time('token resolution', () => collectManifests(app, sink)), warnings: warningsOf(app) };
}

/** The gate's verdict: any finding stops the synth before a file is written. */
export function rejectFindings(validation: ValidationResult): void {
  if (validation.findings.length > 0) {
    throw new SynthError(`validation found ${validation.findings.length} problem(s); nothing was written:\n${formatFindings(validation.findings)}`);
  }
}

/** The YAML files, the Kustomization and graph.dot of validated records (graph.svg is drawn from `dot`). */
export function renderOutput(options: SynthOptions, records: readonly ManifestRecord[], clock: StageClock): { files: Map<string, string>; graph: SystemGraph; dot: string } {
  const yaml = clock.time('yaml', () => renderFiles(records));
  const { graph, dot } = renderGraph(options, records, clock);
  return { files: withIndexAndGraph(yaml, dot), graph, dot };
}

/** The graph of the records, and its DOT text. */
export function renderGraph(options: SynthOptions, records: readonly ManifestRecord[], clock: StageClock): { graph: SystemGraph; dot: string } {
  const graph = clock.time('graph', () => buildGraph(records));
  const dot = clock.time('graph', () => renderDot(graph, `shipshape, env ${options.env.name}: ${options.apps.map((a) => a.name).join(', ')}`));
  return { graph, dot };
}

/** The apps' YAML files, then the Kustomization listing them and graph.dot. */
export function withIndexAndGraph(yaml: ReadonlyMap<string, string>, dot: string): Map<string, string> {
  const files = new Map(yaml);
  files.set('Kustomization', renderKustomization([...yaml.keys()]));
  files.set('graph.dot', dot);
  return files;
}
