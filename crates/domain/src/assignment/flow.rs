//! Min-cost flow on the clue → staff → sink network, with convex load costs on the staff →
//! sink arcs: the solver behind the assignment engine.
//!
//! Primal–dual: Dijkstra on reduced costs finds the shortest distance to the sink, then a
//! Dinic-style blocking flow pushes every path of that length at once, so the number of
//! Dijkstra runs is the number of distinct path costs, not the number of team places.
//! Every augmenting path crosses a clue → staff arc of capacity 1, so each pushes one unit.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

const INF: i64 = i64::MAX / 4;

#[derive(Debug)]
pub(super) struct Network {
    n: usize,
    s: usize,
    t: usize,
    start: Vec<u32>,
    to: Vec<u32>,
    rev: Vec<u32>,
    cap: Vec<i32>,
    cost: Vec<i64>,
    /// Per node: the load before assignment and the load weight, for staff → sink arcs.
    base: Vec<i64>,
    weight: i64,
}

#[derive(Debug, Default)]
pub(super) struct Builder {
    edges: Vec<(u32, u32, i32, i64)>,
}

impl Builder {
    pub(super) fn edge(&mut self, u: usize, v: usize, cap: i32, cost: i64) {
        self.edges.push((u as u32, v as u32, cap, cost));
    }

    /// Lays the arcs out per node (forward and reverse arc of each edge), in insertion order so
    /// the solution is deterministic. `base[p]` is staff node p's load before assignment.
    pub(super) fn build(self, n: usize, s: usize, t: usize, base: Vec<i64>, weight: i64) -> Network {
        let mut deg = vec![0u32; n + 1];
        for &(u, v, _, _) in &self.edges {
            deg[u as usize + 1] += 1;
            deg[v as usize + 1] += 1;
        }
        for i in 0..n {
            deg[i + 1] += deg[i];
        }
        let start = deg.clone();
        let mut fill = deg;
        let m = 2 * self.edges.len();
        let (mut to, mut rev, mut cap, mut cost) = (vec![0u32; m], vec![0u32; m], vec![0i32; m], vec![0i64; m]);
        for &(u, v, c, w) in &self.edges {
            let a = fill[u as usize] as usize;
            fill[u as usize] += 1;
            let b = fill[v as usize] as usize;
            fill[v as usize] += 1;
            (to[a], rev[a], cap[a], cost[a]) = (v, b as u32, c, w);
            (to[b], rev[b], cap[b], cost[b]) = (u, a as u32, 0, -w);
        }
        let mut net = Network {
            n,
            s,
            t,
            start,
            to,
            rev,
            cap,
            cost,
            base,
            weight,
        };
        for a in net.start[t] as usize..net.start[t + 1] as usize {
            net.price_sink_arc(net.rev[a] as usize);
        }
        net
    }
}

impl Network {
    fn arcs(&self, u: usize) -> std::ops::Range<usize> {
        self.start[u] as usize..self.start[u + 1] as usize
    }

    /// Flow on arc `a` (the residual of its reverse).
    pub(super) fn flow(&self, a: usize) -> i32 {
        self.cap[self.rev[a] as usize]
    }

    pub(super) fn arcs_of(&self, u: usize) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.arcs(u).map(|a| (a, self.to[a] as usize))
    }

    /// The staff → sink arc `a` costs the marginal load cost of its next unit,
    /// weight × ((L+1)² − L²), and its reverse refunds the last unit's.
    fn price_sink_arc(&mut self, a: usize) {
        let p = self.to[self.rev[a] as usize] as usize;
        let load = self.base[p] + i64::from(self.flow(a));
        self.cost[a] = self.weight * (2 * load + 1);
        self.cost[self.rev[a] as usize] = -self.weight * (2 * load - 1);
    }

    fn push(&mut self, a: usize) {
        self.cap[a] -= 1;
        self.cap[self.rev[a] as usize] += 1;
        let sink_arc = if self.to[a] as usize == self.t {
            Some(a)
        } else if self.to[self.rev[a] as usize] as usize == self.t {
            Some(self.rev[a] as usize)
        } else {
            None
        };
        if let Some(fwd) = sink_arc {
            self.price_sink_arc(fwd);
        }
    }

    /// Sends as much flow from the source to the sink as possible at least cost; returns it.
    pub(super) fn min_cost_flow(&mut self) -> i64 {
        let n = self.n;
        let mut pi = vec![0i64; n];
        let mut dist = vec![INF; n];
        let mut level = vec![-1i32; n];
        let mut iter = vec![0u32; n];
        let mut heap = BinaryHeap::new();
        let mut queue = VecDeque::new();
        let mut path: Vec<usize> = Vec::new();
        let mut total = 0;
        loop {
            dist.fill(INF);
            dist[self.s] = 0;
            heap.push(Reverse((0i64, self.s)));
            while let Some(Reverse((d, u))) = heap.pop() {
                if d > dist[u] {
                    continue;
                }
                if u == self.t {
                    break;
                }
                for a in self.arcs(u) {
                    if self.cap[a] > 0 {
                        let v = self.to[a] as usize;
                        let nd = d + self.cost[a] + pi[u] - pi[v];
                        if nd < dist[v] {
                            dist[v] = nd;
                            heap.push(Reverse((nd, v)));
                        }
                    }
                }
            }
            heap.clear();
            let dt = dist[self.t];
            if dt >= INF {
                return total;
            }
            for (p, d) in pi.iter_mut().zip(&dist) {
                *p += (*d).min(dt);
            }
            // Blocking flows over the arcs of zero reduced cost until none reaches the sink.
            loop {
                level.fill(-1);
                level[self.s] = 0;
                queue.push_back(self.s);
                while let Some(u) = queue.pop_front() {
                    for a in self.arcs(u) {
                        let v = self.to[a] as usize;
                        if self.cap[a] > 0 && level[v] < 0 && self.cost[a] + pi[u] - pi[v] == 0 {
                            level[v] = level[u] + 1;
                            queue.push_back(v);
                        }
                    }
                }
                if level[self.t] < 0 {
                    break;
                }
                iter.copy_from_slice(&self.start[..n]);
                let mut u = self.s;
                loop {
                    if u == self.t {
                        for &a in &path {
                            self.push(a);
                        }
                        path.clear();
                        total += 1;
                        u = self.s;
                        continue;
                    }
                    let end = self.start[u + 1];
                    let mut next = None;
                    while iter[u] < end {
                        let a = iter[u] as usize;
                        let v = self.to[a] as usize;
                        if self.cap[a] > 0 && level[v] == level[u] + 1 && self.cost[a] + pi[u] - pi[v] == 0 {
                            next = Some((a, v));
                            break;
                        }
                        iter[u] += 1;
                    }
                    match next {
                        Some((a, v)) => {
                            path.push(a);
                            u = v;
                        }
                        None => {
                            // A dead end: never enter it again in this level graph.
                            level[u] = -1;
                            let Some(a) = path.pop() else { break };
                            u = self.to[self.rev[a] as usize] as usize;
                            iter[u] += 1;
                        }
                    }
                }
            }
        }
    }

    /// Sends one unit from `from` to `to` along any residual path that avoids the source;
    /// used to grow or shrink one clue's flow in the priority pass. Returns whether it did.
    pub(super) fn augment(&mut self, from: usize, to: usize, seen: &mut [u32], stamp: u32, back: &mut [u32]) -> bool {
        let mut queue = VecDeque::from([from]);
        seen[from] = stamp;
        while let Some(u) = queue.pop_front() {
            for a in self.arcs(u) {
                let v = self.to[a] as usize;
                if self.cap[a] > 0 && seen[v] != stamp && v != self.s {
                    seen[v] = stamp;
                    back[v] = a as u32;
                    if v == to {
                        let mut w = to;
                        while w != from {
                            let a = back[w] as usize;
                            self.push(a);
                            w = self.to[self.rev[a] as usize] as usize;
                        }
                        return true;
                    }
                    queue.push_back(v);
                }
            }
        }
        false
    }

    pub(super) fn nodes(&self) -> usize {
        self.n
    }

    pub(super) fn sink(&self) -> usize {
        self.t
    }
}
