//! Side by side in one run: the arena against `bumpalo` and the system allocator, the pool
//! against `slab` and `Box`. Each benchmark is one operation (one allocation, or one
//! allocate+deallocate pair); the arenas reset every `RESET_EVERY` allocations, and the system
//! allocator frees its `RESET_EVERY` blocks at the same point, so all three do the same work.
//! The `arena/growable` group is a whole cycle instead: a growable arena and a `bumpalo::Bump`
//! that both start at 1 KiB claim 4 MiB of small values and reset, as a bumpalo user's loop does;
//! `arena/scope` is the arena's `allocate` inside a scope and outside one.
//!
//! `cargo bench -p lightwatch-memory --bench allocators -- --warm-up-time 1 --measurement-time 3`
//! (one group: `-- 'arena/growable' ...`).

use std::alloc::{alloc, dealloc, Layout};
use std::hint::black_box;
use std::ptr::NonNull;
use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use lightwatch_memory::{Arena, Pool};

/// Allocations between two resets, the same for every contender.
const RESET_EVERY: usize = 64;
/// The alignment of every arena request: the arena's default.
const ALIGNMENT: usize = Arena::DEFAULT_ALIGNMENT;

/// Counts allocations and says when the contender must reset.
struct Epoch(usize);

impl Epoch {
    #[inline]
    fn tick(&mut self) -> bool {
        self.0 += 1;
        if self.0 == RESET_EVERY {
            self.0 = 0;
            true
        } else {
            false
        }
    }
}

fn arena_size(c: &mut Criterion, name: &str, size: usize) {
    let layout = Layout::from_size_align(size, ALIGNMENT).unwrap();
    let mut group = c.benchmark_group(name);

    group.bench_function("lightwatch Arena::allocate", |b| {
        let mut arena = Arena::new(size * RESET_EVERY).unwrap();
        let mut epoch = Epoch(0);
        b.iter(|| {
            let bytes = arena.allocate(black_box(size), black_box(ALIGNMENT));
            black_box(bytes.map(<[u8]>::as_mut_ptr).ok());
            if epoch.tick() {
                arena.reset();
            }
        });
    });

    group.bench_function("bumpalo Bump::alloc_layout", |b| {
        let mut bump = bumpalo::Bump::with_capacity(size * RESET_EVERY);
        let mut epoch = Epoch(0);
        b.iter(|| {
            black_box(bump.alloc_layout(black_box(layout)));
            if epoch.tick() {
                bump.reset();
            }
        });
    });

    group.bench_function("std::alloc alloc+dealloc", |b| {
        let mut live: Vec<NonNull<u8>> = Vec::with_capacity(RESET_EVERY);
        let mut epoch = Epoch(0);
        b.iter(|| {
            // SAFETY: `layout` has a non-zero size.
            let ptr = NonNull::new(unsafe { alloc(black_box(layout)) }).expect("out of memory");
            live.push(black_box(ptr));
            if epoch.tick() {
                for ptr in live.drain(..) {
                    // SAFETY: `ptr` came from `alloc(layout)` just above and is freed once.
                    unsafe { dealloc(ptr.as_ptr(), layout) };
                }
            }
        });
        for ptr in live.drain(..) {
            // SAFETY: as above.
            unsafe { dealloc(ptr.as_ptr(), layout) };
        }
    });

    group.finish();
}

fn arena(c: &mut Criterion) {
    arena_size(c, "arena/16B", 16);
    arena_size(c, "arena/256B", 256);
    arena_size(c, "arena/4KiB", 4096);
}

/// The first block (bumpalo: chunk) of both growable contenders.
const FIRST_BLOCK: usize = 1024;
/// The values a growable contender claims per cycle: 4 MiB of them, so it grows 12 times from
/// `FIRST_BLOCK` in its first cycle.
const CYCLE_VALUES: usize = (4 << 20) / size_of::<Value>();

/// A small value, as a tensor engine's scratch claims: four floats, SIMD-aligned.
#[derive(Clone, Copy)]
#[repr(C, align(16))]
struct Value([f32; 4]);

#[inline]
fn value(i: usize) -> Value {
    Value([i as f32; 4])
}

fn growable(c: &mut Criterion) {
    let mut group = c.benchmark_group("arena/growable");
    group.throughput(Throughput::Elements(CYCLE_VALUES as u64));

    // One iteration is a cycle: claim and write 4 MiB of values, then reset. The first cycles
    // grow from 1 KiB; after its first reset each keeps one chunk that holds the whole cycle
    // (the arena merges its blocks, bumpalo keeps its largest chunk and grows once more).
    group.bench_function("lightwatch Arena::alloc_slice_fill, reset", |b| {
        let mut arena = Arena::growable(FIRST_BLOCK).unwrap();
        b.iter(|| {
            for i in 0..CYCLE_VALUES {
                black_box(arena.alloc_slice_fill(1, value(i)).unwrap());
            }
            arena.reset();
        });
    });

    group.bench_function("bumpalo Bump::alloc, reset", |b| {
        let mut bump = bumpalo::Bump::with_capacity(FIRST_BLOCK);
        b.iter(|| {
            for i in 0..CYCLE_VALUES {
                black_box(bump.alloc(value(i)));
            }
            bump.reset();
        });
    });

    // The same cycle through the byte API, nothing written.
    let layout = Layout::new::<Value>();
    group.bench_function("lightwatch Arena::allocate, reset", |b| {
        let mut arena = Arena::growable(FIRST_BLOCK).unwrap();
        b.iter(|| {
            for _ in 0..CYCLE_VALUES {
                let bytes = arena.allocate(black_box(layout.size()), black_box(layout.align()));
                black_box(bytes.map(<[u8]>::as_mut_ptr).ok());
            }
            arena.reset();
        });
    });

    group.bench_function("bumpalo Bump::alloc_layout, reset", |b| {
        let mut bump = bumpalo::Bump::with_capacity(FIRST_BLOCK);
        b.iter(|| {
            for _ in 0..CYCLE_VALUES {
                black_box(bump.alloc_layout(black_box(layout)));
            }
            bump.reset();
        });
    });

    // Growth itself: a new allocator of 1 KiB each time, grown to 4 MiB and dropped. Its figure
    // depends on what the process did before: once glibc has freed a large block it raises its
    // mmap threshold and serves later ones from its heap, already faulted in, which bumpalo's
    // uninitialised chunks use as they are and the arena's zeroed blocks must memset. Run alone
    // (`-- 'grow to 4 MiB'`), both pay the kernel's page faults instead.
    group.bench_function("lightwatch Arena: new, grow to 4 MiB, drop", |b| {
        b.iter(|| {
            let arena = Arena::growable(FIRST_BLOCK).unwrap();
            for i in 0..CYCLE_VALUES {
                black_box(arena.alloc_slice_fill(1, value(i)).unwrap());
            }
            arena
        });
    });

    group.bench_function("bumpalo Bump: new, grow to 4 MiB, drop", |b| {
        b.iter(|| {
            let bump = bumpalo::Bump::with_capacity(FIRST_BLOCK);
            for i in 0..CYCLE_VALUES {
                black_box(bump.alloc(value(i)));
            }
            bump
        });
    });

    group.finish();
}

/// Times `iters` claims made in runs of at most `RESET_EVERY`: `run(n)` makes `n` and frees them.
fn runs(iters: u64, mut run: impl FnMut(usize)) -> Duration {
    let start = Instant::now();
    let mut left = iters;
    while left > 0 {
        let n = left.min(RESET_EVERY as u64);
        run(n as usize);
        left -= n;
    }
    start.elapsed()
}

fn scope(c: &mut Criterion) {
    let mut group = c.benchmark_group("arena/scope");
    let size = 16;

    // One iteration is one `allocate`; every `RESET_EVERY` the claims are freed: by a reset
    // outside a scope, by the scope's close inside one.
    group.bench_function("Arena::allocate, reset", |b| {
        let mut arena = Arena::new(size * RESET_EVERY).unwrap();
        b.iter_custom(|iters| {
            runs(iters, |n| {
                for _ in 0..n {
                    let bytes = arena.allocate(black_box(size), black_box(ALIGNMENT));
                    black_box(bytes.map(<[u8]>::as_mut_ptr).ok());
                }
                arena.reset();
            })
        });
    });

    group.bench_function("Scope::allocate, close", |b| {
        let mut arena = Arena::new(size * RESET_EVERY).unwrap();
        b.iter_custom(|iters| {
            runs(iters, |n| {
                arena.scoped(|scope| {
                    for _ in 0..n {
                        let bytes = scope.allocate(black_box(size), black_box(ALIGNMENT));
                        black_box(bytes.map(<[u8]>::as_mut_ptr).ok());
                    }
                });
            })
        });
    });

    group.bench_function("Arena::scope open+close", |b| {
        let mut arena = Arena::new(size * RESET_EVERY).unwrap();
        arena.allocate(size, ALIGNMENT).unwrap();
        b.iter(|| drop(black_box(arena.scope())));
    });

    group.finish();
}

/// The pool's slot type in every contender: one 16-float graph node.
type Node = [f32; 16];
/// Slots per pool chunk / slab capacity.
const POOL_CAPACITY: usize = 1024;
/// Values already live when the measurement starts, so the free list is not trivially empty.
const ALREADY_LIVE: usize = POOL_CAPACITY / 2;
/// Handles kept between an allocation and its deallocation in the `pool` group: each iteration
/// frees the value allocated `WINDOW` iterations earlier, as a graph frees old nodes.
const WINDOW: usize = 64;

/// A ring of `WINDOW` handles: `swap` stores the new one and returns the oldest.
struct Ring<H> {
    handles: Vec<H>,
    next: usize,
}

impl<H> Ring<H> {
    fn new(handles: Vec<H>) -> Self {
        assert_eq!(handles.len(), WINDOW);
        Self { handles, next: 0 }
    }

    #[inline]
    fn swap(&mut self, handle: H) -> H {
        let old = std::mem::replace(&mut self.handles[self.next], handle);
        self.next = (self.next + 1) % WINDOW;
        old
    }
}

/// The least a free-list pool can do: a stack of free indices over a vector of values, with no
/// handle checks at all (a stale or foreign index silently corrupts it). Not a contender: the
/// floor under `Pool`, to show what its double-free and foreign-handle checks cost.
struct Unchecked {
    values: Vec<Node>,
    free: Vec<u32>,
}

impl Unchecked {
    fn new(capacity: usize) -> Self {
        Self {
            values: vec![[0.0; 16]; capacity],
            free: (0..capacity as u32).rev().collect(),
        }
    }

    #[inline]
    fn allocate(&mut self, value: Node) -> u32 {
        let index = self.free.pop().expect("bench stays within capacity");
        self.values[index as usize] = value;
        index
    }

    #[inline]
    fn deallocate(&mut self, index: u32) -> Node {
        self.free.push(index);
        self.values[index as usize]
    }
}

fn pool(c: &mut Criterion) {
    let mut group = c.benchmark_group("pool");
    let node: Node = [1.5; 16];

    group.bench_function("lightwatch Pool::allocate+deallocate", |b| {
        let mut pool: Pool<Node> = Pool::new(POOL_CAPACITY).unwrap();
        let _live: Vec<_> = (0..ALREADY_LIVE)
            .map(|_| pool.allocate(node).unwrap())
            .collect();
        let mut ring = Ring::new((0..WINDOW).map(|_| pool.allocate(node).unwrap()).collect());
        b.iter(|| {
            let slot = pool.allocate(black_box(node)).unwrap();
            let old = ring.swap(slot);
            black_box(pool.deallocate(black_box(old)).unwrap());
        });
    });

    group.bench_function("slab Slab::insert+remove", |b| {
        let mut slab = slab::Slab::with_capacity(POOL_CAPACITY);
        for _ in 0..ALREADY_LIVE {
            slab.insert(node);
        }
        let mut ring = Ring::new((0..WINDOW).map(|_| slab.insert(node)).collect());
        b.iter(|| {
            let key = slab.insert(black_box(node));
            let old = ring.swap(key);
            black_box(slab.remove(black_box(old)));
        });
    });

    group.bench_function("Box::new+drop", |b| {
        let mut ring = Ring::new((0..WINDOW).map(|_| Box::new(node)).collect());
        b.iter(|| {
            let boxed = Box::new(black_box(node));
            let old = ring.swap(boxed);
            drop(black_box(old));
        });
    });

    group.finish();

    // Floors for the same loop: what any pool that takes and returns values must pay.
    let mut group = c.benchmark_group("pool/floor");

    group.bench_function("unchecked free-list pool", |b| {
        let mut pool = Unchecked::new(POOL_CAPACITY);
        for _ in 0..ALREADY_LIVE {
            pool.allocate(node);
        }
        let mut ring = Ring::new((0..WINDOW).map(|_| pool.allocate(node)).collect());
        b.iter(|| {
            let index = pool.allocate(black_box(node));
            let old = ring.swap(index);
            black_box(pool.deallocate(black_box(old)));
        });
    });

    group.bench_function("64 B in and out of a ring", |b| {
        let mut ring = Ring::new(vec![node; WINDOW]);
        b.iter(|| black_box(ring.swap(black_box(node))));
    });

    group.finish();

    // The same pairs with nothing in between: the handle goes straight back. Reported for
    // completeness; see BENCHMARKS.md for why this shape penalises a 16-byte handle.
    let mut group = c.benchmark_group("pool/immediate");

    group.bench_function("lightwatch Pool::allocate+deallocate", |b| {
        let mut pool: Pool<Node> = Pool::new(POOL_CAPACITY).unwrap();
        let _live: Vec<_> = (0..ALREADY_LIVE)
            .map(|_| pool.allocate(node).unwrap())
            .collect();
        b.iter(|| {
            let slot = pool.allocate(black_box(node)).unwrap();
            black_box(pool.deallocate(black_box(slot)).unwrap());
        });
    });

    group.bench_function("slab Slab::insert+remove", |b| {
        let mut slab = slab::Slab::with_capacity(POOL_CAPACITY);
        for _ in 0..ALREADY_LIVE {
            slab.insert(node);
        }
        b.iter(|| {
            let key = slab.insert(black_box(node));
            black_box(slab.remove(black_box(key)));
        });
    });

    group.bench_function("Box::new+drop", |b| {
        b.iter(|| drop(black_box(Box::new(black_box(node)))));
    });

    group.finish();
}

criterion_group!(benches, arena, growable, scope, pool);
criterion_main!(benches);
