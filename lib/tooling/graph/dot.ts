/**
 * The system graph as Graphviz DOT, left to right, one box per namespace:
 * traffic enters on the left (Ingresses, outside callers) and flows to the
 * stores on the right. Shapes and colours say what a node is; a legend says
 * what the edges mean.
 */
import { EdgeKind, GraphNode, NodeKind, SystemGraph } from './model';

const NODE_STYLE: Record<NodeKind, string> = {
  workload: 'shape=box, style="rounded,filled", fillcolor="#dbeafe", color="#1d4ed8"',
  service: 'shape=ellipse, style=filled, fillcolor="#ecfccb", color="#4d7c0f"',
  ingress: 'shape=cds, style=filled, fillcolor="#fef3c7", color="#b45309"',
  config: 'shape=note, style=filled, fillcolor="#f5f5f4", color="#57534e"',
  secret: 'shape=note, style=filled, fillcolor="#fce7f3", color="#be185d"',
  claim: 'shape=cylinder, style=filled, fillcolor="#ede9fe", color="#6d28d9"',
  outside: 'shape=plaintext, fontcolor="#57534e"',
};

const EDGE_STYLE: Record<EdgeKind, string> = {
  selects: 'color="#4d7c0f", arrowhead=vee',
  routes: 'color="#b45309", penwidth=1.5',
  mounts: 'color="#78716c", style=dashed, arrowhead=none',
  reads: 'color="#be185d", style=dashed, arrowhead=none',
  connects: 'color="#1d4ed8", penwidth=1.5',
  allowed: 'color="#15803d", style=dotted',
  refused: 'color="#dc2626", style=bold',
};

/** How each edge kind is drawn in the legend (line, colour) and what it means. */
const LEGEND: Record<EdgeKind, { line: string; color: string; text: string }> = {
  routes: { line: '━━▶', color: '#b45309', text: 'Ingress routes to Service' },
  selects: { line: '──▷', color: '#4d7c0f', text: 'Service selects pods' },
  connects: { line: '━━▶', color: '#1d4ed8', text: 'may connect: egress and ingress allowed' },
  allowed: { line: '┄┄▶', color: '#15803d', text: 'allowed in by a NetworkPolicy' },
  refused: { line: '━━▶', color: '#dc2626', text: 'egress allowed, but ingress refused' },
  mounts: { line: '╌╌╌', color: '#78716c', text: 'mounts a volume or claim' },
  reads: { line: '╌╌╌', color: '#be185d', text: 'reads env from a ConfigMap or Secret' },
};

function html(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Title and legend as one HTML-like label under the drawing, so the legend takes no room in the layout. */
function caption(graph: SystemGraph, title: string): string {
  const used = (Object.keys(LEGEND) as EdgeKind[]).filter((k) => graph.edges.some((e) => e.kind === k));
  const cells = used.map((k) => `<td><font color="${LEGEND[k].color}">${LEGEND[k].line}</font></td><td align="left">${html(LEGEND[k].text)}</td>`);
  const rows: string[] = [];
  for (let i = 0; i < cells.length; i += 2) rows.push(`<tr>${cells[i]}${cells[i + 1] ?? '<td></td><td></td>'}</tr>`);
  const note = 'DNS egress, allowed in every namespace, is not drawn; dashed boxes are made outside the synth';
  return `<<table border="0" cellspacing="3"><tr><td colspan="4"><b>${html(title)}</b></td></tr>${rows.join('')}<tr><td colspan="4"><font color="#57534e">${note}</font></td></tr></table>>`;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function node(n: GraphNode, indent: string): string {
  const label = n.lines.map((l) => l.replace(/\\/g, '\\\\').replace(/"/g, '\\"')).join('\\n');
  const style = n.external ? NODE_STYLE[n.kind].replace(/style="?[\w,]+"?/, 'style="dashed,filled"') : NODE_STYLE[n.kind];
  return `${indent}${quote(n.id)} [label="${label}", ${style}];`;
}

export function renderDot(graph: SystemGraph, title: string): string {
  const out = [
    'digraph shipshape {',
    `  graph [rankdir=LR, fontname="Helvetica", fontsize=11, nodesep=0.25, ranksep=0.9, newrank=true, labelloc=b, label=${caption(graph, title)}];`,
    '  node [fontname="Helvetica", fontsize=10, margin="0.16,0.06"];',
    '  edge [fontname="Helvetica", fontsize=9];',
  ];
  for (const ns of graph.namespaces) {
    const inside = graph.nodes.filter((n) => n.namespace === ns.name);
    if (inside.length === 0) continue;
    out.push(`  subgraph ${quote(`cluster_${ns.name}`)} {`, `    label=${quote(`namespace ${ns.name} (pod security: ${ns.level})`)}; labelloc=t; style="rounded"; color="#a8a29e";`);
    for (const n of inside) out.push(node(n, '    '));
    out.push('  }');
  }
  for (const n of graph.nodes.filter((x) => x.namespace === undefined)) out.push(node(n, '  '));
  for (const e of graph.edges) {
    const label = e.label ? `, label=${quote(e.label)}` : '';
    out.push(`  ${quote(e.from)} -> ${quote(e.to)} [${EDGE_STYLE[e.kind]}${label}];`);
  }
  out.push('}', '');
  return out.join('\n');
}
