/**
 * A line chart as hand-written SVG (no dependency): one figure against N (log scale), one line per
 * series, for bench/scale.ts's plots in bench/results/.
 */

export interface Series {
  readonly name: string;
  /** [N, value] points; NaN values are left out. */
  readonly points: ReadonlyArray<readonly [number, number]>;
}

const COLOURS = ['#d62728', '#1f77b4', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

function niceMax(v: number): number {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

const fmt = (v: number): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(2).replace(/\.?0+$/, '') || '0');

export function lineChart(title: string, yLabel: string, series: readonly Series[]): string {
  const W = 640;
  const H = 380;
  const L = 70;
  const R = 170;
  const T = 40;
  const B = 50;
  const pts = series.flatMap((s) => s.points.filter(([, y]) => Number.isFinite(y)));
  const ns = [...new Set(pts.map(([n]) => n))].sort((a, b) => a - b);
  const lo = Math.log10(Math.min(...ns, 100));
  const hi = Math.max(Math.log10(Math.max(...ns, 10_000)), lo + 1);
  const yMax = niceMax(Math.max(0, ...pts.map(([, y]) => y)) * 1.05);
  const x = (n: number): number => L + ((Math.log10(n) - lo) / (hi - lo)) * (W - L - R);
  const y = (v: number): number => H - B - (v / yMax) * (H - T - B);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2 - R / 2}" y="22" text-anchor="middle" font-size="14">${esc(title)}</text>`,
    `<text transform="translate(16 ${(H - B + T) / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    `<text x="${(L + W - R) / 2}" y="${H - 10}" text-anchor="middle">devices (N, log scale)</text>`,
  ];
  for (let k = 0; k <= 5; k++) {
    const v = (yMax * k) / 5;
    out.push(`<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${L - 6}" y="${y(v) + 4}" text-anchor="end">${fmt(v)}</text>`);
  }
  for (let e = Math.ceil(lo); e <= Math.floor(hi); e++) {
    const n = 10 ** e;
    out.push(`<line x1="${x(n)}" x2="${x(n)}" y1="${T}" y2="${H - B}" stroke="#ddd"/>`);
    out.push(`<text x="${x(n)}" y="${H - B + 16}" text-anchor="middle">${n.toLocaleString('en-US')}</text>`);
  }
  out.push(`<rect x="${L}" y="${T}" width="${W - L - R}" height="${H - T - B}" fill="none" stroke="#333"/>`);
  series.forEach((s, k) => {
    const c = COLOURS[k % COLOURS.length]!;
    const p = s.points.filter(([, v]) => Number.isFinite(v)).sort((a, b) => a[0] - b[0]);
    if (p.length > 1) out.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${p.map(([n, v]) => `${x(n).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}"/>`);
    for (const [n, v] of p) out.push(`<circle cx="${x(n).toFixed(1)}" cy="${y(v).toFixed(1)}" r="3.5" fill="${c}"><title>${esc(`${s.name}, N=${n}: ${fmt(v)}`)}</title></circle>`);
    const ly = T + 10 + k * 20;
    out.push(`<line x1="${W - R + 12}" x2="${W - R + 32}" y1="${ly}" y2="${ly}" stroke="${c}" stroke-width="2"/>`);
    out.push(`<text x="${W - R + 38}" y="${ly + 4}">${esc(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
