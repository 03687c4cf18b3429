/**
 * Sequence alignment of rule texts: which rules of two chains are "the same rule". Patience-style
 * anchors (texts unique in both sequences, in increasing order) cut the problem into small gaps, which
 * Myers' O(ND) algorithm aligns; a gap whose edit distance exceeds the budget is left unaligned.
 * Leaving rules unaligned is always safe for the diff (they only widen the region it explores).
 */

/** Pairs (i, j), increasing in both, of equal elements of `a` and `b`. */
export function align(a: readonly string[], b: readonly string[], maxD = 1000): [number, number][] {
  const out: [number, number][] = [];
  const work: [number, number, number, number][] = [[0, a.length, 0, b.length]];
  while (work.length) {
    let [alo, ahi, blo, bhi] = work.pop()!;
    // Common prefix and suffix.
    while (alo < ahi && blo < bhi && a[alo] === b[blo]) out.push([alo++, blo++]);
    while (alo < ahi && blo < bhi && a[ahi - 1] === b[bhi - 1]) out.push([--ahi, --bhi]);
    if (alo >= ahi || blo >= bhi) continue;
    const anchors = uniqueAnchors(a, alo, ahi, b, blo, bhi);
    if (anchors.length) {
      let pa = alo;
      let pb = blo;
      for (const [i, j] of anchors) {
        work.push([pa, i, pb, j]);
        out.push([i, j]);
        pa = i + 1;
        pb = j + 1;
      }
      work.push([pa, ahi, pb, bhi]);
      continue;
    }
    for (const p of myers(a, alo, ahi, b, blo, bhi, maxD)) out.push(p);
  }
  out.sort((x, y) => x[0] - y[0]);
  return out;
}

/** Elements occurring once in each range, as pairs forming a longest increasing sequence. */
function uniqueAnchors(a: readonly string[], alo: number, ahi: number, b: readonly string[], blo: number, bhi: number): [number, number][] {
  const ca = new Map<string, number>();
  for (let i = alo; i < ahi; i++) ca.set(a[i]!, ca.has(a[i]!) ? -1 : i);
  const cb = new Map<string, number>();
  for (let j = blo; j < bhi; j++) {
    const x = b[j]!;
    const ia = ca.get(x);
    if (ia === undefined || ia < 0) continue;
    cb.set(x, cb.has(x) ? -1 : j);
  }
  const pairs: [number, number][] = [];
  for (const [x, j] of cb) if (j >= 0) pairs.push([ca.get(x)!, j]);
  if (!pairs.length) return [];
  pairs.sort((p, q) => p[0] - q[0]);
  // Longest increasing subsequence on j (patience sorting with back pointers).
  const tails: number[] = [];
  const prev: number[] = new Array(pairs.length).fill(-1);
  for (let k = 0; k < pairs.length; k++) {
    const j = pairs[k]![1];
    let lo = 0;
    let hi = tails.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (pairs[tails[mid]!]![1] < j) lo = mid + 1;
      else hi = mid;
    }
    if (lo > 0) prev[k] = tails[lo - 1]!;
    tails[lo] = k;
  }
  const res: [number, number][] = [];
  for (let k = tails[tails.length - 1]!; k >= 0; k = prev[k]!) res.push(pairs[k]!);
  return res.reverse();
}

/** Myers' greedy LCS on a[alo:ahi] and b[blo:bhi]; [] when the distance exceeds maxD. */
function myers(a: readonly string[], alo: number, ahi: number, b: readonly string[], blo: number, bhi: number, maxD: number): [number, number][] {
  const n = ahi - alo;
  const m = bhi - blo;
  const max = Math.min(n + m, maxD);
  const off = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d]: V as it was before step d (the furthest x on each diagonal after d - 1 edits).
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    trace.push(v.slice(off - d - 1, off + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[off + k - 1]! < v[off + k + 1]!) ? v[off + k + 1]! : v[off + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[alo + x] === b[blo + y]) {
        x++;
        y++;
      }
      v[off + k] = x;
      if (x >= n && y >= m) return backtrack(trace, d, alo, blo, n, m);
    }
  }
  return [];
}

function backtrack(trace: readonly Int32Array[], dEnd: number, alo: number, blo: number, n: number, m: number): [number, number][] {
  const out: [number, number][] = [];
  let x = n;
  let y = m;
  for (let d = dEnd; d > 0; d--) {
    const pv = trace[d]!;
    // pv holds diagonals -d-1 … d+1: index of diagonal k is k + d + 1.
    const at = (k: number) => pv[k + d + 1]!;
    const k = x - y;
    const down = k === -d || (k !== d && at(k - 1) < at(k + 1));
    const pk = down ? k + 1 : k - 1;
    const px = at(pk);
    const py = px - pk;
    const xs = down ? px : px + 1;
    while (x > xs) {
      out.push([alo + x - 1, blo + y - 1]);
      x--;
      y--;
    }
    x = px;
    y = py;
  }
  while (x > 0 && y > 0) {
    out.push([alo + x - 1, blo + y - 1]);
    x--;
    y--;
  }
  return out.reverse();
}
