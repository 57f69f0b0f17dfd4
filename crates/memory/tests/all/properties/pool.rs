//! `Pool`: allocate / deallocate / overwrite / clear, stale and foreign handles, drops counted.

use std::cell::Cell;
use std::rc::Rc;

use proptest::prelude::*;
use proptest::sample::Index;

use lightwatch_memory::{slot_stride, AllocError, Pool, Slot};

use super::{assert_disjoint, config};

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
    Cleared(Index),
    Foreign(Index),
    Clear,
}

fn pool_op() -> impl Strategy<Value = PoolOp> {
    prop_oneof![
        8 => any::<u64>().prop_map(PoolOp::Allocate),
        5 => any::<Index>().prop_map(PoolOp::Deallocate),
        2 => (any::<Index>(), any::<u64>()).prop_map(|(i, v)| PoolOp::Overwrite(i, v)),
        2 => any::<Index>().prop_map(PoolOp::Stale),
        1 => any::<Index>().prop_map(PoolOp::Cleared),
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
    /// Handles from before the last clear: foreign to the pool now.
    cleared: Vec<Slot>,
    drops: usize,
}

fn check_pool(
    pool: &Pool<Token>,
    model: &PoolModel,
    drops: &Cell<usize>,
) -> Result<(), TestCaseError> {
    prop_assert_eq!(pool.size(), model.live.len());
    prop_assert_eq!(pool.capacity(), model.capacity);
    prop_assert_eq!(pool.available(), model.capacity - model.live.len());
    prop_assert_eq!(pool.chunks(), model.capacity / model.chunk);
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
    fn follows_the_model(
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
        let mut model = PoolModel { chunk, capacity: chunk, live: Vec::new(), stale: Vec::new(), cleared: Vec::new(), drops: 0 };
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
                PoolOp::Cleared(i) if !model.cleared.is_empty() => {
                    let slot = model.cleared[i.index(model.cleared.len())];
                    check_refused(&mut pool, slot, AllocError::Foreign { at: slot.index() }, &model, &drops)?;
                }
                PoolOp::Foreign(i) => {
                    let slot = foreign[i.index(foreign.len())];
                    check_refused(&mut pool, slot, AllocError::Foreign { at: slot.index() }, &model, &drops)?;
                }
                PoolOp::Clear => {
                    pool.clear();
                    model.drops += model.live.len();
                    // Every handle from before the clear is foreign to the pool now.
                    model.cleared.extend(model.live.drain(..).map(|(slot, ..)| slot));
                    model.cleared.append(&mut model.stale);
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
