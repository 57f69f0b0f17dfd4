//! `Arena`: the bump rule over real memory, with data that must survive, through every way of
//! claiming bytes and typed values.

use proptest::prelude::*;

use lightwatch_memory::Arena;

use super::{alignment, assert_disjoint, config, model_claim, model_refusal, size};

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
    fn follows_the_model(
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
