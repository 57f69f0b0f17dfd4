//! Out-of-memory paths, driven by a global allocator that refuses requests on demand.
//!
//! A test binary of its own because the failing allocator is global to its binary: every type's
//! out-of-memory paths (aligned blocks, the arena's growth and resets, the pool's growth) are
//! here, apart from `tests/all`, whose tests must never see a refusal.
//!
//! The switch is a per-thread budget (libtest runs each test on its own thread), so tests cannot
//! race on it and the harness's own allocations on other threads are never refused. Inside a
//! budgeted closure nothing may panic: a panic allocates its payload, and a refused payload aborts.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use lightwatch_memory::{
    aligned_alloc, aligned_alloc_zeroed, aligned_free, aligned_new, AlignedBlock, AllocError,
    Arena, Pool, ResetMode, Slot,
};

/// No budget: every request is served.
const UNLIMITED: usize = usize::MAX;

thread_local! {
    /// Requests this thread may still make before they are refused.
    static BUDGET: Cell<usize> = const { Cell::new(UNLIMITED) };
    /// Requests this thread has made (alloc, alloc_zeroed and realloc).
    static REQUESTS: Cell<usize> = const { Cell::new(0) };
}

/// `System`, except that a thread past its budget gets null.
struct Failing;

impl Failing {
    fn admit() -> bool {
        // `try_with`: during thread teardown the budget is gone; serve everything then.
        REQUESTS
            .try_with(|requests| requests.set(requests.get() + 1))
            .ok();
        BUDGET
            .try_with(|budget| match budget.get() {
                0 => false,
                UNLIMITED => true,
                left => {
                    budget.set(left - 1);
                    true
                }
            })
            .unwrap_or(true)
    }
}

// SAFETY: every request is either refused with null (allowed by `GlobalAlloc`) or forwarded
// unchanged to `System`, which upholds the contract; `dealloc` always forwards.
unsafe impl GlobalAlloc for Failing {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if Self::admit() {
            // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract for `layout`.
            unsafe { System.alloc(layout) }
        } else {
            core::ptr::null_mut()
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if Self::admit() {
            // SAFETY: as in `alloc`.
            unsafe { System.alloc_zeroed(layout) }
        } else {
            core::ptr::null_mut()
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        if Self::admit() {
            // SAFETY: the caller upholds `GlobalAlloc::realloc`'s contract; `ptr` came from
            // `System` through this allocator.
            unsafe { System.realloc(ptr, layout, new_size) }
        } else {
            core::ptr::null_mut()
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `System` through this allocator, with this layout.
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: Failing = Failing;

/// Runs `f` with at most `budget` allocation requests served on this thread; returns what `f`
/// returned and how many requests it made.
fn with_budget<R>(budget: usize, f: impl FnOnce() -> R) -> (R, usize) {
    let before = REQUESTS.with(Cell::get);
    BUDGET.with(|b| b.set(budget));
    let result = f();
    BUDGET.with(|b| b.set(UNLIMITED));
    (result, REQUESTS.with(Cell::get) - before)
}

/// How many allocation requests `f` makes (none refused).
fn requests<R>(f: impl FnOnce() -> R) -> (R, usize) {
    with_budget(UNLIMITED, f)
}

#[test]
fn budget_refuses_only_past_its_limit() {
    let (outcome, made) = with_budget(1, || {
        let (mut first, mut second) = (Vec::<u64>::new(), Vec::<u64>::new());
        let served = (first.try_reserve(1).is_ok(), second.try_reserve(1).is_ok());
        (served, first, second) // dropped outside the budget
    });
    assert_eq!(outcome.0, (true, false));
    assert_eq!(made, 2);
}

#[test]
fn aligned_block_zeroed_reports_out_of_memory() {
    let (result, made) = with_budget(0, || AlignedBlock::zeroed(4096, 64));
    assert_eq!(
        result.unwrap_err(),
        AllocError::OutOfMemory {
            size: 4096,
            alignment: 64
        }
    );
    assert_eq!(made, 1);
}

#[test]
fn aligned_block_uninit_reports_out_of_memory() {
    let (result, _) = with_budget(0, || AlignedBlock::uninit(100, 32));
    assert_eq!(
        result.unwrap_err(),
        AllocError::OutOfMemory {
            size: 100,
            alignment: 32
        }
    );
}

#[test]
fn aligned_block_of_zero_bytes_needs_no_memory() {
    let (result, made) = with_budget(0, || AlignedBlock::zeroed(0, 4096));
    assert!(result.is_ok());
    assert_eq!(made, 0);
}

#[test]
fn aligned_alloc_reports_out_of_memory_with_the_callers_figures() {
    let (result, made) = with_budget(0, || aligned_alloc(256, 32));
    assert_eq!(
        result,
        Err(AllocError::OutOfMemory {
            size: 256,
            alignment: 32
        })
    );
    assert_eq!(made, 1);
}

#[test]
fn aligned_alloc_zeroed_reports_out_of_memory() {
    let (result, _) = with_budget(0, || aligned_alloc_zeroed(1024, 64));
    assert_eq!(
        result,
        Err(AllocError::OutOfMemory {
            size: 1024,
            alignment: 64
        })
    );
}

#[test]
fn aligned_alloc_succeeds_once_memory_is_back() {
    let (refused, _) = with_budget(0, || aligned_alloc(64, 64));
    assert!(refused.is_err());
    let ptr = aligned_alloc(64, 64).unwrap();
    // SAFETY: from `aligned_alloc`, freed once.
    unsafe { aligned_free(ptr) };
}

#[test]
fn aligned_new_reports_out_of_memory() {
    let (result, made) = with_budget(0, || aligned_new::<f32>(1024, 64));
    assert_eq!(
        result,
        Err(AllocError::OutOfMemory {
            size: 4096,
            alignment: 64
        })
    );
    assert_eq!(made, 1);
}

#[test]
fn arena_new_reports_out_of_memory() {
    let (result, made) = with_budget(0, || Arena::new(1 << 16));
    assert_eq!(
        result.unwrap_err(),
        AllocError::OutOfMemory {
            size: 1 << 16,
            alignment: Arena::BLOCK_ALIGNMENT
        }
    );
    assert_eq!(made, 1);
}

#[test]
fn arena_allocate_and_reset_never_allocate() {
    let mut arena = Arena::new(4096).unwrap();
    let (_, made) = with_budget(0, || {
        for _ in 0..3 {
            for size in [0, 1, 16, 256, 1000] {
                let _ = arena.allocate(size, 16);
                let _ = arena.allocate_offset(size, 64);
            }
            let _ = arena.alloc_slice_fill(10, (1u8, 2u32));
            let _ = arena.allocate(10_000, 16); // exhausted: the error path allocates nothing either
            arena.reset();
        }
    });
    assert_eq!(made, 0);
}

/// A growable arena of 64 bytes, full of 7s: the next claim must grow it by 128 bytes.
fn full_arena() -> (Arena, *const u8) {
    let arena = Arena::growable(64).unwrap();
    let first = arena.allocate(64, 1).unwrap();
    first.fill(7);
    let first = first.as_ptr();
    (arena, first)
}

/// The 64 bytes of `full_arena`'s first claim.
fn sevens(first: *const u8) -> bool {
    // SAFETY: `first` is the arena's live 64-byte claim, initialised, with no `&mut` alive.
    unsafe { core::slice::from_raw_parts(first, 64) }
        .iter()
        .all(|&b| b == 7)
}

#[test]
fn arena_refused_growth_is_out_of_memory_and_changes_nothing_at_every_step() {
    for refusals in 0.. {
        let (arena, first) = full_arena();
        let (result, _) = with_budget(refusals, || arena.allocate_offset(100, 16));
        match result {
            Err(error) => {
                // The block, or the bookkeeping that lists it: either way, the block's figures.
                assert_eq!(
                    error,
                    AllocError::OutOfMemory {
                        size: 128,
                        alignment: Arena::BLOCK_ALIGNMENT
                    }
                );
                assert_eq!(
                    (arena.used(), arena.capacity(), arena.blocks()),
                    (64, 64, 1)
                );
                assert!(sevens(first));
                // And the arena carries on once memory is back.
                assert_eq!(arena.allocate_offset(100, 16), Ok(64));
                assert_eq!((arena.capacity(), arena.blocks()), (64 + 128, 2));
                assert!(sevens(first));
            }
            Ok(offset) => {
                // The arena's list of blocks, the block, and the chain's list of regions: the
                // first growth of each list needs memory, and each refusal was an error.
                assert_eq!(refusals, 3, "growth asks for three allocations");
                assert_eq!(offset, 64);
                assert_eq!((arena.capacity(), arena.blocks()), (64 + 128, 2));
                break;
            }
        }
        assert!(refusals < 16, "growth never succeeded");
    }
}

#[test]
fn arena_repeatedly_refused_growth_keeps_failing_cleanly() {
    let (arena, first) = full_arena();
    for _ in 0..5 {
        let (result, _) = with_budget(0, || arena.allocate(100, 16).map(|b| b.len()));
        assert!(matches!(result, Err(AllocError::OutOfMemory { .. })));
    }
    assert_eq!(
        (arena.used(), arena.capacity(), arena.blocks()),
        (64, 64, 1)
    );
    assert!(sevens(first));
}

#[test]
fn arena_claims_in_blocks_it_has_never_allocate() {
    let mut arena = Arena::growable(64).unwrap();
    let start = arena.checkpoint();
    for size in [64, 100, 200, 400] {
        arena.allocate(size, 16).unwrap();
    }
    arena.rewind(start);
    let (_, made) = with_budget(0, || {
        for _ in 0..3 {
            let mark = arena.checkpoint();
            for size in [64, 100, 200, 400] {
                let _ = arena.allocate(size, 16); // walks to the blocks it grew before
            }
            arena.rewind(mark);
        }
    });
    assert_eq!(made, 0);
}

/// A growable arena of 64 bytes grown to blocks of 64, 128 and 256.
fn grown_arena() -> Arena {
    let arena = Arena::growable(64).unwrap();
    for size in [64, 128, 256] {
        arena.allocate(size, 1).unwrap();
    }
    assert_eq!((arena.blocks(), arena.capacity()), (3, 448));
    arena
}

#[test]
fn arena_reset_whose_merged_block_is_refused_keeps_its_blocks() {
    for mode in [ResetMode::Retain, ResetMode::RetainWithLimit(300)] {
        let mut arena = grown_arena();
        let (_, made) = with_budget(0, || arena.reset_with(mode));
        assert_eq!(made, 1, "{mode:?}: only the new block was asked for");
        assert_eq!(
            (arena.used(), arena.capacity(), arena.blocks()),
            (0, 448, 3),
            "{mode:?}: every block kept, all free"
        );
        // The work that grew it fits again, in the blocks it has.
        let (claimed, made) = with_budget(0, || {
            [64, 128, 256].map(|size| arena.allocate_offset(size, 1))
        });
        assert_eq!(claimed, [Ok(0), Ok(64), Ok(64 + 128)], "{mode:?}");
        assert_eq!(made, 0, "{mode:?}");
        // With memory back, the next reset merges as the mode says.
        arena.reset_with(mode);
        assert_eq!(arena.blocks(), 1, "{mode:?}");
    }
}

#[test]
fn arena_reset_that_keeps_the_first_block_never_allocates() {
    let mut arena = grown_arena();
    let first = arena.as_ptr();
    let (_, made) = with_budget(0, || arena.reset_with(ResetMode::Release));
    assert_eq!(made, 0);
    assert_eq!(
        (arena.capacity(), arena.blocks(), arena.as_ptr()),
        (64, 1, first)
    );
}

type Node = [f32; 16];

#[test]
fn pool_new_reports_out_of_memory_at_every_step() {
    let mut refusals = 0;
    let pool = loop {
        let (result, _) = with_budget(refusals, || Pool::<Node>::new(32));
        match result {
            Ok(pool) => break pool,
            Err(error) => {
                assert_eq!(
                    error,
                    AllocError::OutOfMemory {
                        size: 32 * 64,
                        alignment: 64 // chunks sit on cache lines
                    }
                );
                refusals += 1;
                assert!(refusals < 16, "Pool::new never succeeded");
            }
        }
    };
    assert!(
        refusals >= 2,
        "the chunk and the bookkeeping were each refused in turn"
    );
    assert_eq!((pool.size(), pool.capacity()), (0, 32));
}

/// A pool of 4 slots, all live, holding 0..4.
fn full_pool() -> (Pool<Node>, Vec<Slot>) {
    let mut pool = Pool::new(4).unwrap();
    let slots = (0..4)
        .map(|i| pool.allocate([i as f32; 16]).unwrap())
        .collect();
    (pool, slots)
}

fn assert_full_pool_intact(pool: &Pool<Node>, slots: &[Slot], addresses: &[*const Node]) {
    assert_eq!((pool.size(), pool.capacity()), (4, 4));
    for (i, (&slot, &address)) in slots.iter().zip(addresses).enumerate() {
        assert_eq!(pool.as_ptr(slot).unwrap().as_ptr().cast_const(), address);
        assert_eq!(*pool.get(slot).unwrap(), [i as f32; 16]);
    }
}

#[test]
fn pool_failed_growth_leaves_the_pool_unchanged_at_every_step() {
    for refusals in 0.. {
        let (mut pool, slots) = full_pool();
        let addresses: Vec<_> = slots
            .iter()
            .map(|&s| pool.as_ptr(s).unwrap().as_ptr().cast_const())
            .collect();
        let (result, _) = with_budget(refusals, || pool.allocate([9.0; 16]));
        match result {
            Err(error) => {
                assert_eq!(
                    error,
                    AllocError::OutOfMemory {
                        size: 4 * 64,
                        alignment: 64 // chunks sit on cache lines
                    }
                );
                assert_full_pool_intact(&pool, &slots, &addresses);
                // And the pool carries on once memory is back.
                let fifth = pool.allocate([9.0; 16]).unwrap();
                assert_eq!(pool.capacity(), 8);
                assert_eq!(*pool.get(fifth).unwrap(), [9.0; 16]);
            }
            Ok(fifth) => {
                assert!(refusals >= 2, "growth needs the chunk and its bookkeeping");
                assert_eq!((pool.size(), pool.capacity()), (5, 8));
                assert_eq!(*pool.get(fifth).unwrap(), [9.0; 16]);
                break;
            }
        }
        assert!(refusals < 16, "growth never succeeded");
    }
}

#[test]
fn pool_repeated_failed_growth_keeps_failing_cleanly() {
    let (mut pool, slots) = full_pool();
    let addresses: Vec<_> = slots
        .iter()
        .map(|&s| pool.as_ptr(s).unwrap().as_ptr().cast_const())
        .collect();
    for _ in 0..5 {
        let (result, _) = with_budget(0, || pool.allocate([9.0; 16]));
        assert!(matches!(result, Err(AllocError::OutOfMemory { .. })));
    }
    assert_full_pool_intact(&pool, &slots, &addresses);
}

#[test]
fn pool_deallocate_never_allocates_even_after_growth() {
    let mut pool: Pool<Node> = Pool::new(4).unwrap();
    let slots: Vec<Slot> = (0..12)
        .map(|i| pool.allocate([i as f32; 16]).unwrap())
        .collect();
    assert_eq!(pool.capacity(), 12, "three chunks");
    let (freed, made) = requests(|| {
        slots
            .iter()
            .map(|&slot| pool.deallocate(slot).is_ok())
            .filter(|&ok| ok)
            .count()
    });
    assert_eq!(freed, 12);
    assert_eq!(made, 0, "deallocate must not grow its free list");
}

#[test]
fn pool_allocate_within_capacity_never_allocates() {
    let mut pool: Pool<Node> = Pool::new(8).unwrap();
    let (_, made) = with_budget(0, || {
        for _ in 0..3 {
            for i in 0..8 {
                let _ = pool.allocate([i as f32; 16]);
            }
            pool.clear();
        }
    });
    assert_eq!(made, 0);
    assert_eq!((pool.size(), pool.capacity()), (0, 8));
}

#[test]
fn pool_clear_never_allocates() {
    let mut pool: Pool<Node> = Pool::new(2).unwrap();
    for i in 0..6 {
        pool.allocate([i as f32; 16]).unwrap();
    }
    let (_, made) = with_budget(0, || pool.clear());
    assert_eq!(made, 0);
    assert_eq!((pool.size(), pool.capacity()), (0, 6));
}
