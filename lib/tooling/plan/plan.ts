/**
 * What applying a new synth over an old one changes, per app: objects added,
 * removed (and pruned) and changed field by field, with every change the API
 * server refuses and every risky one flagged. Works on plain records, so it
 * can compare any two folders of YAML.
 */
import { applyCommandLine, groupKind, isApplySetParent, PARENT_DATA } from '../manifest/applyset';
import { describe, Manifest, ManifestRecord } from '../manifest/manifest';
import { namespaceOf, pushTo } from '../manifest/pods';
import { diffManifests, FieldChange, formatChange, formatValue } from './diff';
import { APPLY, APPLY_NO_PRUNE, refusal } from './immutable';
import { changeRisks, removalRisks, Risk } from './risky';

export interface ObjectChange {
  readonly object: string;
  readonly kind: string;
  readonly changes: FieldChange[];
  /** The pod template changed: a rollout follows. */
  readonly rollsPods: boolean;
}

/** The same version label change on many objects (an image bump), reported once instead of per object. */
export interface VersionRelabel {
  readonly before: string;
  readonly after: string;
  /** Objects whose only change is this label. */
  readonly objects: string[];
}

export interface AppPlan {
  readonly app: string;
  readonly added: string[];
  readonly removed: string[];
  /** Objects with changes beyond the version label (whose label lines are folded into `relabelled`). */
  readonly changed: ObjectChange[];
  /** Version label changes, folded: one line per old → new pair. */
  readonly relabelled: VersionRelabel[];
  readonly unchanged: number;
}

export interface Flag {
  readonly app: string;
  readonly object: string;
  readonly fields: string[];
  readonly reason: string;
  readonly steps: string[];
}

export interface Plan {
  readonly apps: AppPlan[];
  /** Changes the API server refuses: they need the steps given. */
  readonly refused: Flag[];
  /** Changes it accepts that can lose data or availability. */
  readonly risky: Flag[];
}

export interface PlanOptions {
  /** The output folder the apply commands name. @default 'dist' */
  readonly outdir?: string;
}

/** `app.kubernetes.io/version` at any level (the object, a pod template, a claim template), as diff paths name it. */
const VERSION_LABEL_PATH = /(^|\.)labels\["app\.kubernetes\.io\/version"\]$/;

/** Takes the version label changes out of `changes`, recording each old → new pair in `relabelled`. */
function foldVersionLabels(object: string, changes: FieldChange[], relabelled: VersionRelabel[]): FieldChange[] {
  const rest = changes.filter((c) => !VERSION_LABEL_PATH.test(c.path));
  const labels = changes.filter((c) => VERSION_LABEL_PATH.test(c.path));
  for (const pair of new Set(labels.map((c) => `${String(c.before ?? '(none)')}\u0000${String(c.after ?? '(none)')}`))) {
    const [before, after] = pair.split('\u0000');
    let entry = relabelled.find((r) => r.before === before && r.after === after);
    if (!entry) relabelled.push((entry = { before, after, objects: [] }));
    if (rest.length === 0) entry.objects.push(object);
  }
  return rest;
}

function identity(m: Manifest): string {
  return `${groupKind(m)}/${namespaceOf(m)}/${m.metadata?.name}`;
}

/** The app a record belongs to; records read back from YAML know only their file, `<app>.yaml`. */
export function appOf(r: Pick<ManifestRecord, 'app' | 'file'>): string {
  return r.app ?? r.file.replace(/\.(ya?ml|json)$/, '');
}

function byApp(records: readonly ManifestRecord[]): Map<string, ManifestRecord[]> {
  const out = new Map<string, ManifestRecord[]>();
  for (const r of records) pushTo(out, appOf(r), r);
  return out;
}

export function makePlan(before: readonly ManifestRecord[], after: readonly ManifestRecord[], options: PlanOptions = {}): Plan {
  const old = byApp(before);
  const next = byApp(after);
  const plan: Plan = { apps: [], refused: [], risky: [] };
  for (const app of new Set([...next.keys(), ...old.keys()])) {
    planApp(plan, app, old.get(app) ?? [], next.get(app) ?? [], { before, after, outdir: options.outdir ?? 'dist' });
  }
  return plan;
}

/** Adds one app's changes and flags to the plan. */
function planApp(plan: Plan, app: string, was: readonly ManifestRecord[], now: readonly ManifestRecord[], all: { before: readonly ManifestRecord[]; after: readonly ManifestRecord[]; outdir: string }): void {
  const previous = new Map(was.map((r) => [identity(r.manifest), r]));
  const current = new Set(now.map((r) => identity(r.manifest)));
  const file = `${all.outdir}/${(now[0] ?? was[0]).file}`;
  const parent = now.find((r) => isApplySetParent(r.manifest));
  const apply = parent ? applyCommandLine(parent.manifest, file) : `kubectl apply -f ${file}`;
  const fill = (steps: string[]) => steps.map((s) => (s === APPLY ? apply : s === APPLY_NO_PRUNE ? `kubectl apply -f ${file}` : s));
  const added: string[] = [];
  const changed: ObjectChange[] = [];
  const relabelled: VersionRelabel[] = [];
  const risks: Risk[] = [];
  let unchanged = 0;
  for (const r of now) {
    const old = previous.get(identity(r.manifest));
    if (!old) {
      added.push(describe(r.manifest));
      continue;
    }
    const changes = diffManifests(old.manifest, r.manifest);
    if (changes.length === 0) {
      unchanged++;
      continue;
    }
    const object = describe(r.manifest);
    const rest = foldVersionLabels(object, changes, relabelled);
    if (rest.length > 0) changed.push({ object, kind: r.manifest.kind, changes: rest, rollsPods: changes.some((c) => /^spec\.(template|jobTemplate)\b/.test(c.path)) });
    const blocked = refusal({ before: old.manifest, after: r.manifest, changes });
    if (blocked) plan.refused.push({ app, object, fields: blocked.fields, reason: blocked.reason, steps: fill(blocked.steps) });
    risks.push(...changeRisks(old.manifest, r.manifest, all.after));
  }
  const removed = was.filter((r) => !current.has(identity(r.manifest))).map((r) => r.manifest);
  if (now.length === 0) plan.risky.push(appGone(app, removed));
  else risks.push(...removalRisks(removed, all.before, all.after));
  plan.risky.push(...risks.map((r) => ({ app, object: r.object, fields: [], reason: r.reason, steps: fill(r.steps) })));
  plan.apps.push({ app, added, removed: removed.map(describe), changed, relabelled, unchanged });
}

/** An app whose file is gone is pruned by no apply: say how to remove it. */
function appGone(app: string, removed: readonly Manifest[]): Flag {
  const namespaces = removed.filter((m) => m.kind === 'Namespace').map((m) => `kubectl delete namespace ${m.metadata.name}   # and everything in it`);
  const clusterScoped = removed.filter((m) => !m.metadata.namespace && m.kind !== 'Namespace').map((m) => `kubectl delete ${m.kind.toLowerCase()} ${m.metadata.name}`);
  return { app, object: `app ${app}`, fields: [], reason: `the app leaves the code, so no apply prunes its ${removed.length} object(s); remove them by hand`, steps: [...clusterScoped, ...namespaces] };
}

/** The environment a folder was synthesised for, from its ApplySet parents. */
export function environmentOf(records: readonly ManifestRecord[]): string | undefined {
  const envs = new Set(records.filter((r) => isApplySetParent(r.manifest)).map((r) => (r.manifest as any).data?.[PARENT_DATA.environment]).filter(Boolean));
  return envs.size === 1 ? [...envs][0] : undefined;
}

export interface ExitOptions {
  readonly allowRecreate?: boolean;
  readonly allowRisky?: boolean;
}

/** 0 when nothing blocks; 2 for refused changes not allowed; 3 for risky ones not allowed. */
export function planExitCode(plan: Plan, options: ExitOptions = {}): number {
  if (plan.refused.length > 0 && !options.allowRecreate) return 2;
  if (plan.risky.length > 0 && !options.allowRisky) return 3;
  return 0;
}

/** Objects that change, including those whose only change is the folded version label. */
function changedCount(a: AppPlan): number {
  return a.changed.length + a.relabelled.reduce((n, r) => n + r.objects.length, 0);
}

function formatFlag(f: Flag): string[] {
  const lines = [`  ${f.object}${f.fields.length ? `: ${f.fields.join(', ')}` : ''}`, `    why: ${f.reason}`];
  f.steps.forEach((s, i) => lines.push(`    ${i === 0 ? 'do: ' : '    '}${s}`));
  return lines;
}

export function formatPlan(plan: Plan, options: ExitOptions = {}): string {
  const lines: string[] = [];
  for (const a of plan.apps) {
    const total = a.added.length + a.removed.length + changedCount(a);
    if (total === 0) {
      lines.push(`${a.app}: no change (${a.unchanged} object(s))`);
      continue;
    }
    lines.push(`${a.app}: ${a.added.length} added, ${a.removed.length} removed, ${changedCount(a)} changed, ${a.unchanged} unchanged`);
    for (const r of a.relabelled) {
      const only = r.objects.length > 0 ? `; ${r.objects.length} object(s) change by this label alone: ${r.objects.join(', ')}` : '';
      lines.push(`  ~ label app.kubernetes.io/version: ${formatValue(r.before)} → ${formatValue(r.after)} on every object that carries it${only}`);
    }
    for (const o of a.added) lines.push(`  + ${o}`);
    for (const o of a.removed) lines.push(`  - ${o}   (pruned)`);
    for (const c of a.changed) {
      lines.push(`  ~ ${c.object}${c.rollsPods ? '   (pods roll)' : ''}`);
      for (const change of c.changes) lines.push(...formatChange(c.kind, change).map((l) => `      ${l}`));
    }
  }
  if (plan.refused.length > 0) {
    lines.push('', `refused by the API server (${plan.refused.length}): apply stops half-way at these; do the steps${options.allowRecreate ? '' : ', then rerun with --allow-recreate'}`);
    for (const f of plan.refused) lines.push(...formatFlag(f));
  }
  if (plan.risky.length > 0) {
    lines.push('', `risky (${plan.risky.length}): accepted by the API server, but data or availability can be lost${options.allowRisky ? '' : '; rerun with --allow-risky once accepted'}`);
    for (const f of plan.risky) lines.push(...formatFlag(f));
  }
  const count = (pick: (a: AppPlan) => number) => plan.apps.reduce((n, a) => n + pick(a), 0);
  const changes = count((a) => a.added.length + a.removed.length + changedCount(a));
  lines.push('', changes === 0 ? 'no changes' : `${count((a) => a.added.length)} to add, ${count(changedCount)} to change, ${count((a) => a.removed.length)} to prune; ${plan.refused.length} refused, ${plan.risky.length} risky`);
  return lines.join('\n');
}
