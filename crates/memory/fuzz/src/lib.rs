//! The operation interpreter shared by the fuzz target (`cargo fuzz run operations`) and the
//! stable-toolchain long run (`cargo run --release --bin long-run`).
//!
//! One file because the interpreter and its model are one piece: every operation's arm checks
//! the model's state that the others update (the growable arenas' part is in `growable.rs`).
//!
//! Bytes become a sequence of operations over two arenas, two growable arenas with scopes and
//! reset modes (`growable.rs`), a `Bump` over an arbitrary base, two pools and a set of aligned
//! allocations. After every operation the model checks what the crate
//! promises: live regions never overlap, alignment holds, counters match, data written into a
//! live region survives, and refused operations change nothing. Any violation panics, which the
//! fuzzer reports as a crash. The planner has an interpreter of its own, [`plan`].

pub mod plan;

use std::collections::BTreeMap;
use std::ptr::NonNull;

use arbitrary::{Arbitrary, Result, Unstructured};
use lightwatch_memory::{
    aligned_alloc, aligned_alloc_zeroed, aligned_delete, aligned_free, aligned_new, padding,
    AlignedBlock, AllocError, Arena, ArenaOptions, Bump, Pool, ResetMode, Slot,
};

mod growable;
use growable::Growable;

/// One operation, decoded from fuzzer bytes.
#[derive(Arbitrary, Debug)]
pub enum Op {
    ArenaAllocate {
        arena: bool,
        size: u16,
        align_log2: u8,
    },
    ArenaReset {
        arena: bool,
    },
    GrowableAllocate {
        growable: bool,
        size: u16,
        align_log2: u8,
        typed: bool,
    },
    GrowableScopeOpen {
        growable: bool,
    },
    GrowableScopeClose {
        growable: bool,
        pick: u8,
    },
    GrowableReset {
        growable: bool,
        mode: u8,
        limit: u16,
    },
    BumpAllocate {
        size: u32,
        align_log2: u8,
    },
    BumpReset,
    PoolAllocate {
        pool: bool,
        value: u64,
    },
    PoolDeallocate {
        pool: bool,
        pick: u16,
    },
    PoolDeallocateStale {
        pool: bool,
    },
    PoolForeign {
        pool: bool,
    },
    PoolClear {
        pool: bool,
    },
    AlignedAlloc {
        size: u16,
        align_log2: u8,
        zeroed: bool,
    },
    AlignedFree {
        pick: u16,
    },
    AlignedNew {
        count: u16,
        align_log2: u8,
    },
    Block {
        size: u16,
        align_log2: u8,
    },
}

type Payload = [u64; 3];

struct Region {
    start: usize,
    len: usize,
    stamp: u8,
}

/// What the model knows, beside the real allocators.
pub struct Model {
    arenas: [Arena; 2],
    arena_regions: [Vec<Region>; 2],
    arena_cursor: [usize; 2],
    growable: [Growable; 2],
    bump: Bump,
    bump_cursor: usize,
    pools: [Pool<Payload>; 2],
    pool_live: [Vec<(Slot, u64)>; 2],
    stale: [Vec<Slot>; 2],
    /// Handles from before each pool's last clear: foreign to it now.
    cleared: [Vec<Slot>; 2],
    aligned: Vec<(NonNull<u8>, usize, usize, u8)>,
    typed: Vec<(NonNull<u32>, usize)>,
    stamp: u8,
    operations: u64,
}

fn alignment(log2: u8) -> usize {
    1 << (log2 % 13)
}

impl Model {
    /// A fresh model with small capacities, so exhaustion and growth happen often.
    pub fn new(base: usize) -> Self {
        Self {
            arenas: [
                Arena::new(4096).expect("arena"),
                Arena::new(1 << 16).expect("arena"),
            ],
            arena_regions: [Vec::new(), Vec::new()],
            arena_cursor: [0, 0],
            // Tiny first blocks, so that they grow; one without a limit, one with.
            growable: [
                Growable::new(64, ArenaOptions::GROWABLE),
                Growable::new(
                    1024,
                    ArenaOptions {
                        growable: true,
                        max_capacity: Some(1 << 16),
                    },
                ),
            ],
            bump: Bump::new(base, 1 << 20).unwrap_or_else(|_| Bump::new(0, 1 << 20).expect("bump")),
            bump_cursor: 0,
            pools: [
                Pool::new(4).expect("pool"),
                Pool::with_alignment(3, 64).expect("pool"),
            ],
            pool_live: [Vec::new(), Vec::new()],
            stale: [Vec::new(), Vec::new()],
            cleared: [Vec::new(), Vec::new()],
            aligned: Vec::new(),
            typed: Vec::new(),
            stamp: 1,
            operations: 0,
        }
    }

    fn next_stamp(&mut self) -> u8 {
        self.stamp = self.stamp.wrapping_add(1).max(1);
        self.stamp
    }

    /// Applies one operation and checks every invariant.
    pub fn apply(&mut self, op: Op) {
        match op {
            Op::ArenaAllocate {
                arena,
                size,
                align_log2,
            } => self.arena_allocate(usize::from(arena), usize::from(size), alignment(align_log2)),
            Op::ArenaReset { arena } => {
                let a = usize::from(arena);
                self.arenas[a].reset();
                self.arena_regions[a].clear();
                self.arena_cursor[a] = 0;
                assert_eq!(self.arenas[a].used(), 0);
            }
            Op::GrowableAllocate {
                growable,
                size,
                align_log2,
                typed,
            } => {
                let stamp = self.next_stamp();
                let (size, align) = (usize::from(size) % 8192, alignment(align_log2));
                self.growable[usize::from(growable)].allocate(size, align, typed, stamp);
            }
            Op::GrowableScopeOpen { growable } => self.growable[usize::from(growable)].open(),
            Op::GrowableScopeClose { growable, pick } => {
                self.growable[usize::from(growable)].close(pick);
            }
            Op::GrowableReset {
                growable,
                mode,
                limit,
            } => {
                let mode = match mode % 3 {
                    0 => ResetMode::Retain,
                    1 => ResetMode::Release,
                    _ => ResetMode::RetainWithLimit(usize::from(limit)),
                };
                self.growable[usize::from(growable)].reset(mode);
            }
            Op::BumpAllocate { size, align_log2 } => {
                let (size, align) = (size as usize % 70_000, alignment(align_log2));
                let before = self.bump;
                match self.bump.allocate(size, align) {
                    Ok(offset) => {
                        assert!(offset >= self.bump_cursor, "bump went backwards");
                        assert_eq!((self.bump.base() + offset) % align, 0, "bump alignment");
                        assert!(offset + size <= self.bump.capacity(), "bump out of bounds");
                        self.bump_cursor = offset + size;
                        assert_eq!(self.bump.used(), self.bump_cursor);
                    }
                    Err(AllocError::Exhausted {
                        requested,
                        available,
                        ..
                    }) => {
                        assert_eq!(requested, size);
                        assert_eq!(available, before.available());
                        assert_eq!(self.bump, before, "a refused bump changed state");
                    }
                    Err(other) => panic!("unexpected bump error {other:?}"),
                }
            }
            Op::BumpReset => {
                self.bump.reset();
                self.bump_cursor = 0;
            }
            Op::PoolAllocate { pool, value } => {
                let p = usize::from(pool);
                let slot = self.pools[p].allocate([value; 3]).expect("pool growth");
                let ptr = self.pools[p].as_ptr(slot).expect("live slot").as_ptr() as usize;
                assert_eq!(ptr % self.pools[p].alignment(), 0, "slot alignment");
                self.pool_live[p].push((slot, value));
            }
            Op::PoolDeallocate { pool, pick } => {
                let p = usize::from(pool);
                if self.pool_live[p].is_empty() {
                    return;
                }
                let (slot, value) =
                    self.pool_live[p].swap_remove(usize::from(pick) % self.pool_live[p].len());
                assert_eq!(
                    self.pools[p].deallocate(slot).expect("live slot"),
                    [value; 3]
                );
                self.stale[p].push(slot);
            }
            Op::PoolDeallocateStale { pool } => {
                let p = usize::from(pool);
                let (size, capacity) = (self.pools[p].size(), self.pools[p].capacity());
                if let Some(&slot) = self.stale[p].last() {
                    assert!(matches!(
                        self.pools[p].deallocate(slot),
                        Err(AllocError::DoubleFree { .. })
                    ));
                }
                if let Some(&slot) = self.cleared[p].last() {
                    assert!(matches!(
                        self.pools[p].deallocate(slot),
                        Err(AllocError::Foreign { .. })
                    ));
                }
                assert_eq!(
                    (self.pools[p].size(), self.pools[p].capacity()),
                    (size, capacity)
                );
            }
            Op::PoolForeign { pool } => {
                let (p, q) = (usize::from(pool), usize::from(!pool));
                if let Some(&(slot, _)) = self.pool_live[q].last() {
                    let size = self.pools[p].size();
                    assert!(matches!(
                        self.pools[p].deallocate(slot),
                        Err(AllocError::Foreign { .. })
                    ));
                    assert_eq!(self.pools[p].size(), size);
                }
            }
            Op::PoolClear { pool } => {
                let p = usize::from(pool);
                let capacity = self.pools[p].capacity();
                self.pools[p].clear();
                assert_eq!(self.pools[p].size(), 0);
                assert_eq!(self.pools[p].capacity(), capacity);
                // Every handle from before the clear is foreign now, live or stale.
                let live = std::mem::take(&mut self.pool_live[p]);
                let stale = std::mem::take(&mut self.stale[p]);
                self.cleared[p].extend(live.into_iter().map(|(slot, _)| slot).chain(stale));
            }
            Op::AlignedAlloc {
                size,
                align_log2,
                zeroed,
            } => {
                // Small and few, so checking every live byte after every operation stays cheap.
                let (size, align) = (usize::from(size) % 1024, alignment(align_log2));
                if self.aligned.len() == 32 {
                    let (oldest, ..) = self.aligned.remove(0);
                    // SAFETY: `oldest` came from `aligned_alloc*` and leaves the model here.
                    unsafe { aligned_free(oldest) };
                }
                let ptr = if zeroed {
                    aligned_alloc_zeroed(size, align)
                } else {
                    aligned_alloc(size, align)
                }
                .expect("aligned_alloc");
                assert_eq!(ptr.as_ptr() as usize % align, 0, "aligned_alloc alignment");
                if zeroed {
                    // SAFETY: `ptr` is valid for `size` initialised (zeroed) bytes.
                    let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), size) };
                    assert!(
                        bytes.iter().all(|&b| b == 0),
                        "aligned_alloc_zeroed not zero"
                    );
                }
                let stamp = self.next_stamp();
                // SAFETY: `ptr` is valid for writes of `size` bytes.
                unsafe { ptr.as_ptr().write_bytes(stamp, size) };
                self.aligned.push((ptr, size, align, stamp));
            }
            Op::AlignedFree { pick } => {
                if self.aligned.is_empty() {
                    return;
                }
                let (ptr, ..) = self
                    .aligned
                    .swap_remove(usize::from(pick) % self.aligned.len());
                // SAFETY: `ptr` came from `aligned_alloc*` and is freed once (removed from the model).
                unsafe { aligned_free(ptr) };
            }
            Op::AlignedNew { count, align_log2 } => {
                let (count, align) = (usize::from(count) % 512, alignment(align_log2));
                if self.typed.len() == 32 {
                    let (oldest, n) = self.typed.remove(0);
                    // SAFETY: `oldest` came from `aligned_new::<u32>(n, _)` and leaves the model here.
                    unsafe { aligned_delete(oldest, n) };
                }
                let ptr = aligned_new::<u32>(count, align).expect("aligned_new");
                assert_eq!(
                    ptr.as_ptr() as usize % align.max(4),
                    0,
                    "aligned_new alignment"
                );
                // SAFETY: `aligned_new` initialised `count` values.
                let values = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), count) };
                assert!(
                    values.iter().all(|&v| v == 0),
                    "aligned_new not default-initialised"
                );
                self.typed.push((ptr, count));
            }
            Op::Block { size, align_log2 } => {
                let (size, align) = (usize::from(size), alignment(align_log2));
                let mut block = AlignedBlock::zeroed(size, align).expect("block");
                assert_eq!(block.as_ptr() as usize % align, 0);
                assert!(block.as_slice().iter().all(|&b| b == 0));
                block.fill(0xA5);
                assert!(block.as_slice().iter().all(|&b| b == 0xA5));
            }
        }
        self.operations += 1;
        self.check(self.operations.is_multiple_of(32));
    }

    fn arena_allocate(&mut self, a: usize, size: usize, align: usize) {
        let arena = &self.arenas[a];
        let before = (arena.used(), arena.available());
        let base = arena.as_ptr() as usize;
        let cursor = self.arena_cursor[a];
        let padding = padding(base + cursor, align);
        let fits = cursor + padding + size <= arena.capacity();
        match arena.allocate(size, align) {
            Ok(bytes) => {
                assert!(fits, "arena handed out more than it has");
                let start = bytes.as_ptr() as usize;
                assert_eq!(start % align, 0, "arena alignment");
                assert_eq!(
                    start - base,
                    cursor + padding,
                    "arena follows the bump rule"
                );
                let stamp = self.stamp.wrapping_add(1).max(1);
                bytes.fill(stamp);
                self.stamp = stamp;
                self.arena_cursor[a] = cursor + padding + size;
                self.arena_regions[a].push(Region {
                    start,
                    len: size,
                    stamp,
                });
            }
            Err(AllocError::Exhausted {
                requested,
                available,
                ..
            }) => {
                assert!(!fits, "arena refused a request that fits");
                assert_eq!((requested, available), (size, before.1));
                assert_eq!(
                    (arena.used(), arena.available()),
                    before,
                    "a refused allocation changed the arena"
                );
            }
            Err(other) => panic!("unexpected arena error {other:?}"),
        }
    }

    /// No overlap and counters right after every operation; every live byte (the expensive part)
    /// when `data` is set: every 32 operations and at the end of each input.
    fn check(&self, data: bool) {
        let mut spans = BTreeMap::new();
        for (a, regions) in self.arena_regions.iter().enumerate() {
            assert_eq!(self.arenas[a].used(), self.arena_cursor[a], "arena used");
            for region in regions {
                if data {
                    // SAFETY: the region is inside a live arena claim, initialised by `fill`.
                    let bytes = unsafe {
                        std::slice::from_raw_parts(region.start as *const u8, region.len)
                    };
                    assert!(
                        bytes.iter().all(|&b| b == region.stamp),
                        "arena data was overwritten"
                    );
                }
                if region.len > 0 {
                    assert!(
                        spans
                            .insert(region.start, region.start + region.len)
                            .is_none(),
                        "two regions start together"
                    );
                }
            }
        }
        for growable in &self.growable {
            growable.check(data, &mut spans);
        }
        for &(ptr, size, _, stamp) in &self.aligned {
            if data {
                // SAFETY: live allocation of `size` initialised bytes.
                let bytes = unsafe { std::slice::from_raw_parts(ptr.as_ptr(), size) };
                assert!(
                    bytes.iter().all(|&b| b == stamp),
                    "aligned data was overwritten"
                );
            }
            if size > 0 {
                assert!(spans
                    .insert(ptr.as_ptr() as usize, ptr.as_ptr() as usize + size)
                    .is_none());
            }
        }
        for (p, live) in self.pool_live.iter().enumerate() {
            assert_eq!(self.pools[p].size(), live.len(), "pool size");
            for &(slot, value) in live {
                assert_eq!(
                    self.pools[p].get(slot).expect("live slot"),
                    &[value; 3],
                    "pool data"
                );
                let start = self.pools[p].as_ptr(slot).expect("live slot").as_ptr() as usize;
                assert!(spans
                    .insert(start, start + std::mem::size_of::<Payload>())
                    .is_none());
            }
        }
        let mut end = 0;
        for (&start, &stop) in &spans {
            assert!(start >= end, "live regions overlap at {start:#x}");
            end = stop;
        }
    }
}

impl Drop for Model {
    fn drop(&mut self) {
        for (ptr, ..) in self.aligned.drain(..) {
            // SAFETY: each pointer came from `aligned_alloc*` and is freed once.
            unsafe { aligned_free(ptr) };
        }
        for (ptr, count) in self.typed.drain(..) {
            // SAFETY: each pointer came from `aligned_new::<u32>(count, _)` and is freed once.
            unsafe { aligned_delete(ptr, count) };
        }
    }
}

/// Decodes `data` into operations and runs them: the fuzz target's body. Returns how many
/// operations ran.
pub fn run(data: &[u8]) -> u64 {
    let mut input = Unstructured::new(data);
    let base: Result<usize> = input.arbitrary();
    let mut model = Model::new(base.unwrap_or(0));
    // `arbitrary` keeps producing (default) values from exhausted input: stop when it is empty.
    while !input.is_empty() {
        let Ok(op) = input.arbitrary::<Op>() else {
            break;
        };
        model.apply(op);
    }
    model.check(true);
    model.operations
}
