//! Growable arenas through the raw API the binding uses: several arenas at once (fixed and
//! growable, with and without `max_capacity`, tiny first blocks so that they grow), claims
//! through every byte API and as typed values, scopes as a stack of checkpoints (closing one
//! closes those opened after it), and resets in every mode; checked against the chain model
//! after every step, every arena at once.

use core::cell::Cell;

use proptest::prelude::*;
use proptest::sample::Index;

use lightwatch_memory::{AllocError, Arena, Checkpoint, ResetMode};

use super::chain::{ChainModel, Padded};
use super::claims::{arena_config, claim_bytes_with, claim_size, claim_typed, figures, reset_mode};
use super::{alignment, config};

/// The three ways to claim bytes; all share one cursor.
#[derive(Debug, Clone, Copy)]
enum ByteApi {
    Slice,
    Raw,
    Offset,
}

#[derive(Debug, Clone)]
enum Op {
    Allocate {
        arena: Index,
        size: usize,
        alignment: usize,
        api: ByteApi,
    },
    Typed {
        arena: Index,
        len: usize,
        value: Padded,
    },
    Open {
        arena: Index,
    },
    Close {
        arena: Index,
        depth: Index,
    },
    Reset {
        arena: Index,
        mode: ResetMode,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let api = prop_oneof![
        Just(ByteApi::Slice),
        Just(ByteApi::Raw),
        Just(ByteApi::Offset)
    ];
    prop_oneof![
        12 => (any::<Index>(), claim_size(), alignment(), api)
            .prop_map(|(arena, size, alignment, api)| Op::Allocate { arena, size, alignment, api }),
        3 => (any::<Index>(), 0usize..40, any::<Padded>()).prop_map(|(arena, len, value)| Op::Typed { arena, len, value }),
        3 => any::<Index>().prop_map(|arena| Op::Open { arena }),
        3 => (any::<Index>(), any::<Index>()).prop_map(|(arena, depth)| Op::Close { arena, depth }),
        1 => (any::<Index>(), reset_mode()).prop_map(|(arena, mode)| Op::Reset { arena, mode }),
    ]
}

/// An arena claiming bytes through one API. The offset API hands out no pointer: the claim's
/// end is found by a zero-sized claim there, which moves nothing, and the offset is kept to be
/// checked.
struct Via<'a> {
    arena: &'a Arena,
    api: ByteApi,
    offset: Cell<Option<usize>>,
}

impl Via<'_> {
    /// Claims `size` bytes through the API this `Via` names.
    fn bytes(&self, size: usize, alignment: usize) -> Result<*mut u8, AllocError> {
        match self.api {
            ByteApi::Slice => self.arena.allocate(size, alignment).map(<[u8]>::as_mut_ptr),
            ByteApi::Raw => self.arena.allocate_raw(size, alignment).map(|p| p.as_ptr()),
            ByteApi::Offset => {
                let offset = self.arena.allocate_offset(size, alignment)?;
                self.offset.set(Some(offset));
                let end = self.arena.allocate_raw(0, 1)?.as_ptr();
                Ok(end.wrapping_sub(size))
            }
        }
    }
}

/// One arena of a case, its model and its open scopes.
struct Case {
    arena: Arena,
    model: ChainModel,
    scopes: Vec<Checkpoint>,
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn growable_arenas_follow_the_model(
        configs in prop::collection::vec(arena_config(), 1..=3),
        ops in prop::collection::vec(op(), 1..if cfg!(miri) { 32 } else { 96 }),
    ) {
        let mut cases: Vec<Case> = configs.iter().map(|&config| {
            let arena = config.arena();
            let model = ChainModel::new(config, &arena);
            Case { arena, model, scopes: Vec::new() }
        }).collect();
        let mut stamp = 0u8;
        for op in ops {
            match op {
                Op::Allocate { arena, size, alignment, api } => {
                    let case = &mut cases[arena.index(configs.len())];
                    stamp = stamp.wrapping_add(1).max(1);
                    let via = Via { arena: &case.arena, api, offset: Cell::new(None) };
                    let claim = |size, alignment| via.bytes(size, alignment);
                    let claimed = claim_bytes_with(&case.arena, &mut case.model, size, alignment, stamp, claim)?;
                    if let Some((placed, ptr)) = claimed {
                        prop_assert_eq!(case.arena.offset_of(ptr), Some(placed.logical));
                        if let Some(offset) = via.offset.get() {
                            prop_assert_eq!(offset, placed.logical);
                        }
                    }
                }
                Op::Typed { arena, len, value } => {
                    let case = &mut cases[arena.index(configs.len())];
                    claim_typed(&case.arena, &mut case.model, len, value)?;
                }
                Op::Open { arena } => {
                    let case = &mut cases[arena.index(configs.len())];
                    let mark = case.arena.checkpoint();
                    prop_assert_eq!(mark.used(), case.model.used());
                    case.scopes.push(mark);
                    case.model.open();
                }
                Op::Close { arena, depth } => {
                    let case = &mut cases[arena.index(configs.len())];
                    if !case.scopes.is_empty() {
                        let depth = depth.index(case.scopes.len());
                        let mark = case.scopes[depth];
                        case.scopes.truncate(depth);
                        case.arena.rewind(mark);
                        case.model.close(depth);
                        prop_assert_eq!(case.arena.used(), mark.used());
                    }
                }
                Op::Reset { arena, mode } => {
                    let case = &mut cases[arena.index(configs.len())];
                    case.arena.reset_with(mode);
                    case.scopes.clear();
                    case.model.reset(mode, case.arena.as_ptr() as usize)?;
                }
            }
            for case in &cases {
                prop_assert_eq!(case.scopes.len(), case.model.open_scopes());
                case.model.check(figures(&case.arena))?;
            }
        }
    }
}
