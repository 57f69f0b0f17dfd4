//! Property tests: random sequences of operations over `Bump`, `Arena` and `Pool`, each checked
//! step by step against a model simple enough to be obviously right.
//!
//! Invariants checked after every step: live regions never overlap, every alignment holds, the
//! counters match the model, data written into a live region or slot survives everything else,
//! and a refused operation leaves the allocator exactly as it was.

use std::cell::Cell;
use std::rc::Rc;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::Config;

use lightwatch_memory::{slot_stride, AllocError, Arena, Bump, Pool, Slot};

/// Enough cases to find the corners, few enough that the file runs in about a second in debug
/// (and in minutes under Miri, which runs a handful).
fn config() -> Config {
    Config {
        cases: if cfg!(miri) { 6 } else { 1024 },
        failure_persistence: None,
        ..Config::default()
    }
}

/// Mostly powers of two up to 4096, sometimes something that is not one.
fn alignment() -> impl Strategy<Value = usize> {
    prop_oneof![
        12 => (0u32..=12).prop_map(|shift| 1usize << shift),
        1 => Just(0usize),
        1 => (3usize..5000).prop_filter("not a power of two", |a| !a.is_power_of_two()),
    ]
}

/// Mostly small sizes, sometimes one that cannot fit anywhere.
fn size() -> impl Strategy<Value = usize> {
    prop_oneof![
        10 => 0usize..600,
        1 => any::<usize>(),
        1 => (0usize..64).prop_map(|back| usize::MAX - back),
    ]
}

/// The bump rule, recomputed in `u128` where nothing can overflow.
fn model_claim(
    base: usize,
    capacity: usize,
    cursor: usize,
    size: usize,
    alignment: usize,
) -> Option<usize> {
    let address = base as u128 + cursor as u128;
    let alignment = alignment as u128;
    let aligned = address.div_ceil(alignment) * alignment;
    let start = aligned - base as u128;
    (start + size as u128 <= capacity as u128).then_some(start as usize)
}

/// The error the model expects for a refused claim.
fn model_refusal(capacity: usize, cursor: usize, size: usize, alignment: usize) -> AllocError {
    if alignment.is_power_of_two() {
        AllocError::Exhausted {
            requested: size,
            available: capacity - cursor,
        }
    } else {
        AllocError::InvalidAlignment { alignment }
    }
}

/// No two of the `(start, len)` regions share a byte.
fn assert_disjoint(regions: &[(usize, usize)]) -> Result<(), TestCaseError> {
    let mut sorted: Vec<_> = regions.iter().filter(|r| r.1 > 0).copied().collect();
    sorted.sort_unstable();
    for pair in sorted.windows(2) {
        prop_assert!(
            pair[0].0 + pair[0].1 <= pair[1].0,
            "{:?} overlaps {:?}",
            pair[0],
            pair[1]
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Bump: arithmetic over any base, including the ends of the address space.
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
enum BumpOp {
    Allocate { size: usize, alignment: usize },
    Reset,
}

fn bump_op() -> impl Strategy<Value = BumpOp> {
    prop_oneof![
        12 => (size(), alignment()).prop_map(|(size, alignment)| BumpOp::Allocate { size, alignment }),
        1 => Just(BumpOp::Reset),
    ]
}

/// A region that fits in the address space: small or huge, anywhere, often at its very ends.
fn region() -> impl Strategy<Value = (usize, usize)> {
    let capacity = prop_oneof![
        6 => 0usize..5000,
        1 => any::<usize>(),
        1 => Just(usize::MAX),
    ];
    (capacity, any::<usize>(), 0u8..4).prop_map(|(capacity, raw, place)| {
        let room = usize::MAX - capacity; // the largest base that fits
        let base = match place {
            0 => 0,
            1 => room,
            2 => raw % 64 + room.saturating_sub(63).min(room), // near the top, often unaligned
            _ => raw.checked_rem(room.wrapping_add(1)).unwrap_or(raw),
        };
        (base.min(room), capacity)
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn bump_new_refuses_exactly_the_regions_that_wrap(base in any::<usize>(), capacity in any::<usize>()) {
        match Bump::new(base, capacity) {
            Ok(bump) => {
                prop_assert!(base.checked_add(capacity).is_some());
                prop_assert_eq!((bump.base(), bump.capacity(), bump.used()), (base, capacity, 0));
            }
            Err(error) => {
                prop_assert!(base.checked_add(capacity).is_none());
                prop_assert_eq!(error, AllocError::SizeOverflow { size: capacity, alignment: 1 });
            }
        }
    }

    #[test]
    fn bump_follows_the_model_over_any_base(
        (base, capacity) in region(),
        ops in prop::collection::vec(bump_op(), 1..64),
    ) {
        let mut bump = Bump::new(base, capacity).unwrap();
        let mut cursor = 0usize;
        let mut live: Vec<(usize, usize)> = Vec::new();
        for op in ops {
            match op {
                BumpOp::Allocate { size, alignment } => {
                    let before = bump;
                    let expected = if alignment.is_power_of_two() {
                        model_claim(base, capacity, cursor, size, alignment)
                    } else {
                        None
                    };
                    match (bump.allocate(size, alignment), expected) {
                        (Ok(start), Some(model)) => {
                            prop_assert_eq!(start, model);
                            prop_assert_eq!((base as u128 + start as u128) % alignment as u128, 0);
                            prop_assert!(start >= cursor);
                            cursor = start + size;
                            live.push((start, size));
                        }
                        (Err(error), None) => {
                            prop_assert_eq!(error, model_refusal(capacity, cursor, size, alignment));
                            prop_assert_eq!(bump, before);
                        }
                        (actual, model) => prop_assert!(false, "got {:?}, model says {:?}", actual, model),
                    }
                }
                BumpOp::Reset => {
                    bump.reset();
                    cursor = 0;
                    live.clear();
                }
            }
            prop_assert_eq!(bump.used(), cursor);
            prop_assert_eq!(bump.available(), capacity - cursor);
            prop_assert_eq!((bump.base(), bump.capacity()), (base, capacity));
            assert_disjoint(&live)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Arena: the same rule over real memory, with data that must survive.
// ---------------------------------------------------------------------------------------------

/// The three ways to claim bytes; all share one cursor.
#[derive(Debug, Clone, Copy)]
enum ByteApi {
    Slice,
    Raw,
    Offset,
}

/// A typed value with padding bytes (one after the `u8`), to exercise the scrub of typed regions.
type Typed = (u8, u16);

#[derive(Debug, Clone)]
enum ArenaOp {
    Allocate {
        size: usize,
        alignment: usize,
        api: ByteApi,
    },
    Typed {
        len: usize,
        value: Typed,
    },
    Reset,
}

fn arena_op() -> impl Strategy<Value = ArenaOp> {
    let api = prop_oneof![
        Just(ByteApi::Slice),
        Just(ByteApi::Raw),
        Just(ByteApi::Offset)
    ];
    prop_oneof![
        10 => (size(), alignment(), api)
            .prop_map(|(size, alignment, api)| ArenaOp::Allocate { size, alignment, api }),
        2 => (0usize..40, any::<Typed>()).prop_map(|(len, value)| ArenaOp::Typed { len, value }),
        2 => Just(ArenaOp::Reset),
    ]
}

/// What the arena's bytes should be. `written[i]` is the last byte written at `i` through the
/// byte API; `typed[i]` says typed values lived at `i` since then (so it may read as zero only).
struct ArenaModel {
    cursor: usize,
    written: Vec<u8>,
    typed: Vec<bool>,
    /// Live claims: start, length, and the byte each was filled with (`None` for typed ones).
    live: Vec<(usize, usize, Option<u8>)>,
    /// Live typed claims: start, length in elements, value.
    values: Vec<(usize, usize, Typed)>,
}

/// Reads `len` bytes at `offset` of the arena.
fn bytes_at(arena: &Arena, offset: usize, len: usize) -> Vec<u8> {
    // SAFETY: the caller passes a claimed byte region inside the arena; the byte API hands out
    // initialised bytes, and no `&mut` to them is alive.
    unsafe { core::slice::from_raw_parts(arena.as_ptr().add(offset), len) }.to_vec()
}

fn check_arena(arena: &Arena, model: &ArenaModel) -> Result<(), TestCaseError> {
    prop_assert_eq!(arena.used(), model.cursor);
    prop_assert_eq!(arena.available(), arena.capacity() - model.cursor);
    let regions: Vec<_> = model
        .live
        .iter()
        .map(|&(start, len, _)| (start, len))
        .collect();
    assert_disjoint(&regions)?;
    for &(start, len, fill) in &model.live {
        if let Some(fill) = fill {
            prop_assert!(
                bytes_at(arena, start, len).iter().all(|&b| b == fill),
                "claim at {} lost its data",
                start
            );
        }
    }
    for &(start, len, value) in &model.values {
        // SAFETY: `len` values of `Typed` were written at `start` and are still claimed.
        let values =
            unsafe { core::slice::from_raw_parts(arena.as_ptr().add(start).cast::<Typed>(), len) };
        prop_assert!(
            values.iter().all(|&v| v == value),
            "typed claim at {} lost its data",
            start
        );
    }
    Ok(())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arena_follows_the_model(
        capacity in 0usize..4096,
        ops in prop::collection::vec(arena_op(), 1..64),
    ) {
        let mut arena = Arena::new(capacity).unwrap();
        let base = arena.as_ptr() as usize;
        prop_assert_eq!(base % Arena::BLOCK_ALIGNMENT, 0);
        let mut model = ArenaModel {
            cursor: 0,
            written: vec![0; capacity],
            typed: vec![false; capacity],
            live: Vec::new(),
            values: Vec::new(),
        };
        let mut next_fill = 1u8;
        for op in ops {
            match op {
                ArenaOp::Allocate { size, alignment, api } => {
                    let expected = if alignment.is_power_of_two() {
                        model_claim(base, capacity, model.cursor, size, alignment)
                    } else {
                        None
                    };
                    let claimed = match api {
                        ByteApi::Slice => arena.allocate(size, alignment).map(|s| s.as_mut_ptr() as usize - base),
                        ByteApi::Raw => arena.allocate_raw(size, alignment).map(|p| p.as_ptr() as usize - base),
                        ByteApi::Offset => arena.allocate_offset(size, alignment),
                    };
                    match (claimed, expected) {
                        (Ok(start), Some(model_start)) => {
                            prop_assert_eq!(start, model_start);
                            prop_assert_eq!((base + start) % alignment, 0);
                            prop_assert_eq!(arena.offset_of(arena.as_ptr().wrapping_add(start)), Some(start));
                            // Old bytes, or zero where typed values lived; never anything else.
                            let found = bytes_at(&arena, start, size);
                            for (i, &byte) in found.iter().enumerate() {
                                let at = start + i;
                                let ok = if model.typed[at] { byte == 0 } else { byte == model.written[at] || byte == 0 };
                                prop_assert!(ok, "byte {} reads {}, model wrote {} (typed: {})", at, byte, model.written[at], model.typed[at]);
                            }
                            // SAFETY: the `size` bytes at `start` were just claimed.
                            unsafe { arena.as_ptr().add(start).cast_mut().write_bytes(next_fill, size) };
                            model.written[start..start + size].fill(next_fill);
                            model.typed[start..start + size].fill(false);
                            model.live.push((start, size, Some(next_fill)));
                            model.cursor = start + size;
                            next_fill = next_fill.wrapping_add(1).max(1);
                        }
                        (Err(error), None) => {
                            prop_assert_eq!(error, model_refusal(capacity, model.cursor, size, alignment));
                        }
                        (actual, model) => prop_assert!(false, "got {:?}, model says {:?}", actual, model),
                    }
                }
                ArenaOp::Typed { len, value } => {
                    let alignment = Arena::DEFAULT_ALIGNMENT;
                    let size = len * core::mem::size_of::<Typed>();
                    let expected = model_claim(base, capacity, model.cursor, size, alignment);
                    match (arena.alloc_slice_fill(len, value), expected) {
                        (Ok(values), Some(model_start)) => {
                            let start = values.as_ptr() as usize - base;
                            prop_assert_eq!(start, model_start);
                            prop_assert!(values.iter().all(|&v| v == value));
                            model.typed[start..start + size].fill(true);
                            model.live.push((start, size, None));
                            model.values.push((start, len, value));
                            model.cursor = start + size;
                        }
                        (Err(error), None) => {
                            prop_assert_eq!(error, model_refusal(capacity, model.cursor, size, alignment));
                        }
                        (actual, model) => prop_assert!(false, "got {:?}, model says {:?}", actual.map(|v| v.len()), model),
                    }
                }
                ArenaOp::Reset => {
                    arena.reset();
                    model.cursor = 0;
                    model.live.clear();
                    model.values.clear();
                }
            }
            check_arena(&arena, &model)?;
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Pool: allocate / deallocate / clear, stale and foreign handles, drops counted.
// ---------------------------------------------------------------------------------------------

/// A value that counts its drops, so the model can check that each is dropped exactly once.
#[derive(Debug)]
struct Token {
    value: u64,
    drops: Rc<Cell<usize>>,
}

impl Drop for Token {
    fn drop(&mut self) {
        self.drops.set(self.drops.get() + 1);
    }
}

#[derive(Debug, Clone)]
enum PoolOp {
    Allocate(u64),
    Deallocate(Index),
    Overwrite(Index, u64),
    Stale(Index),
    Foreign(Index),
    Clear,
}

fn pool_op() -> impl Strategy<Value = PoolOp> {
    prop_oneof![
        8 => any::<u64>().prop_map(PoolOp::Allocate),
        5 => any::<Index>().prop_map(PoolOp::Deallocate),
        2 => (any::<Index>(), any::<u64>()).prop_map(|(i, v)| PoolOp::Overwrite(i, v)),
        2 => any::<Index>().prop_map(PoolOp::Stale),
        1 => any::<Index>().prop_map(PoolOp::Foreign),
        1 => Just(PoolOp::Clear),
    ]
}

struct PoolModel {
    chunk: usize,
    capacity: usize,
    /// Live handles, their value, and the address their slot had when handed out.
    live: Vec<(Slot, u64, usize)>,
    /// Handles whose slot has been freed since.
    stale: Vec<Slot>,
    drops: usize,
}

fn check_pool(
    pool: &Pool<Token>,
    model: &PoolModel,
    drops: &Cell<usize>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(pool.size(), model.live.len());
    prop_assert_eq!(pool.capacity(), model.capacity);
    prop_assert_eq!(drops.get(), model.drops);
    let mut regions = Vec::new();
    for &(slot, value, address) in &model.live {
        prop_assert!(slot.index() < model.capacity);
        let now = pool.as_ptr(slot).unwrap().as_ptr() as usize;
        prop_assert_eq!(now, address, "slot {} moved", slot.index());
        prop_assert_eq!(now % pool.alignment(), 0);
        prop_assert_eq!(pool.get(slot).unwrap().value, value);
        regions.push((now, core::mem::size_of::<Token>()));
    }
    assert_disjoint(&regions)
}

/// Checks that a refused handle gets `expected` from every entry point, and changes nothing.
fn check_refused(
    pool: &mut Pool<Token>,
    slot: Slot,
    expected: AllocError,
    model: &PoolModel,
    drops: &Cell<usize>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(pool.get(slot).unwrap_err(), expected);
    prop_assert_eq!(pool.get_mut(slot).unwrap_err(), expected);
    prop_assert_eq!(pool.as_ptr(slot).unwrap_err(), expected);
    prop_assert_eq!(pool.deallocate(slot).unwrap_err(), expected);
    check_pool(pool, model, drops)
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn pool_follows_the_model(
        chunk in 1usize..6,
        shift in 0u32..=12,
        ops in prop::collection::vec(pool_op(), 1..80),
    ) {
        let drops = Rc::new(Cell::new(0));
        let token = |value| Token { value, drops: Rc::clone(&drops) };
        let mut pool = Pool::with_alignment(chunk, 1 << shift).unwrap();
        let alignment = (1usize << shift).max(core::mem::align_of::<Token>());
        prop_assert_eq!(pool.alignment(), alignment);
        prop_assert_eq!(pool.stride(), slot_stride(core::mem::size_of::<Token>(), alignment).unwrap());
        let mut other = Pool::new(chunk).unwrap();
        let foreign: Vec<Slot> = (0..chunk as u64).map(|i| other.allocate(token(i)).unwrap()).collect();
        let mut model = PoolModel { chunk, capacity: chunk, live: Vec::new(), stale: Vec::new(), drops: 0 };
        for op in ops {
            match op {
                PoolOp::Allocate(value) => {
                    if model.live.len() == model.capacity {
                        model.capacity += model.chunk;
                    }
                    let slot = pool.allocate(token(value)).unwrap();
                    prop_assert!(model.live.iter().all(|(s, ..)| s.index() != slot.index()), "slot {} handed out twice", slot.index());
                    let address = pool.as_ptr(slot).unwrap().as_ptr() as usize;
                    model.live.push((slot, value, address));
                }
                PoolOp::Deallocate(i) if !model.live.is_empty() => {
                    let (slot, value, _) = model.live.swap_remove(i.index(model.live.len()));
                    let taken = pool.deallocate(slot).unwrap();
                    prop_assert_eq!(taken.value, value);
                    drop(taken);
                    model.drops += 1;
                    model.stale.push(slot);
                }
                PoolOp::Overwrite(i, value) if !model.live.is_empty() => {
                    let at = i.index(model.live.len());
                    let entry = &mut model.live[at];
                    pool.get_mut(entry.0).unwrap().value = value;
                    entry.1 = value;
                }
                PoolOp::Stale(i) if !model.stale.is_empty() => {
                    let slot = model.stale[i.index(model.stale.len())];
                    check_refused(&mut pool, slot, AllocError::DoubleFree { slot: slot.index() }, &model, &drops)?;
                }
                PoolOp::Foreign(i) => {
                    let slot = foreign[i.index(foreign.len())];
                    check_refused(&mut pool, slot, AllocError::Foreign { at: slot.index() }, &model, &drops)?;
                }
                PoolOp::Clear => {
                    pool.clear();
                    model.drops += model.live.len();
                    model.stale.extend(model.live.drain(..).map(|(slot, ..)| slot));
                }
                _ => {} // nothing live (or stale) to act on
            }
            check_pool(&pool, &model, &drops)?;
        }
        let live = model.live.len();
        drop(pool);
        prop_assert_eq!(drops.get(), model.drops + live, "dropping the pool drops each live value once");
        drop(other);
        prop_assert_eq!(drops.get(), model.drops + live + chunk);
    }
}
