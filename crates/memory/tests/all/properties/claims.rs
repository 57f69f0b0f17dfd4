//! Driving an arena, or a scope of one, against the chain model: how the arenas of a case are
//! made, the requests and reset modes drawn, and one claim made and checked end to end, through
//! the crate's own [`Claims`] trait, so the properties test the API users call.

use proptest::prelude::*;

use lightwatch_memory::{AllocError, Arena, ArenaOptions, Claims, ResetMode};

use super::chain::{ChainModel, Expect, Padded, Placed};

/// How one arena of a case is made.
#[derive(Debug, Clone, Copy)]
pub struct Config {
    pub initial: usize,
    pub options: ArenaOptions,
}

impl Config {
    pub fn arena(self) -> Arena {
        Arena::with_options(self.initial, self.options).unwrap()
    }
}

/// Fixed arenas, and growable ones with tiny first blocks (so that they grow), with and without
/// a `max_capacity`.
pub fn arena_config() -> impl Strategy<Value = Config> {
    prop_oneof![
        1 => (0usize..2048).prop_map(|initial| Config { initial, options: ArenaOptions::FIXED }),
        2 => (0usize..160).prop_map(|initial| Config { initial, options: ArenaOptions::GROWABLE }),
        2 => (0usize..160, 0usize..4096).prop_map(|(initial, room)| Config {
            initial,
            options: ArenaOptions { growable: true, max_capacity: Some(initial + room) },
        }),
    ]
}

/// Mostly small sizes; sometimes one that no block can hold, or (not under Miri, which stops
/// at an allocation it cannot serve instead of returning null) one the system must refuse.
pub fn claim_size() -> impl Strategy<Value = usize> {
    let small = if cfg!(miri) { 100 } else { 600 };
    let huge = if cfg!(miri) {
        isize::MAX as usize + 1
    } else {
        1 << 62
    };
    prop_oneof![
        20 => 0usize..small,
        1 => huge..=usize::MAX,
    ]
}

pub fn reset_mode() -> impl Strategy<Value = ResetMode> {
    prop_oneof![
        Just(ResetMode::Retain),
        Just(ResetMode::Release),
        (0usize..8192).prop_map(ResetMode::RetainWithLimit),
    ]
}

/// `(used, available, capacity, blocks)` of an arena or a scope of one, as the model checks them.
pub fn figures(target: &impl Claims) -> (usize, usize, usize, usize) {
    (
        target.used(),
        target.available(),
        target.capacity(),
        target.blocks(),
    )
}

/// Claims `size` bytes through `target`'s [`Claims::allocate`] and holds it to the model; fills
/// a claim with `fill`.
pub fn claim_bytes(
    target: &impl Claims,
    model: &mut ChainModel,
    size: usize,
    alignment: usize,
    fill: u8,
) -> Result<Option<(Placed, *const u8)>, TestCaseError> {
    let claim = |size, alignment| target.allocate(size, alignment).map(<[u8]>::as_mut_ptr);
    claim_bytes_with(target, model, size, alignment, fill, claim)
}

/// As [`claim_bytes`], the claim made by `claim` (another byte API of the arena behind `target`,
/// which gives the figures).
pub fn claim_bytes_with(
    target: &impl Claims,
    model: &mut ChainModel,
    size: usize,
    alignment: usize,
    fill: u8,
    claim: impl FnOnce(usize, usize) -> Result<*mut u8, AllocError>,
) -> Result<Option<(Placed, *const u8)>, TestCaseError> {
    let expect = model.expect(size, alignment);
    match (claim(size, alignment), expect) {
        (Err(error), Expect::Refused(expected)) => {
            prop_assert_eq!(error, expected);
            Ok(None)
        }
        (Ok(ptr), expect) => {
            let placed = model.record(expect, ptr, size, alignment, target.used())?;
            model.fill_bytes(placed, ptr, size, fill)?;
            Ok(Some((placed, ptr)))
        }
        (Err(error), expect) => Err(TestCaseError::fail(format!(
            "refused {error:?}, model expects {expect:?}"
        ))),
    }
}

/// Claims `len` typed values through `target`'s [`Claims::alloc_slice_fill`] and holds it to the
/// model.
pub fn claim_typed(
    target: &impl Claims,
    model: &mut ChainModel,
    len: usize,
    value: Padded,
) -> Result<(), TestCaseError> {
    let (size, alignment) = (
        len * core::mem::size_of::<Padded>(),
        Arena::DEFAULT_ALIGNMENT,
    );
    let expect = model.expect(size, alignment);
    let claim = target
        .alloc_slice_fill(len, value)
        .map(<[Padded]>::as_mut_ptr);
    match (claim, expect) {
        (Err(error), Expect::Refused(expected)) => prop_assert_eq!(error, expected),
        (Ok(ptr), expect) => {
            let placed = model.record(expect, ptr.cast(), size, alignment, target.used())?;
            // SAFETY: `len` values just written by the arena.
            let values = unsafe { core::slice::from_raw_parts(ptr, len) };
            prop_assert!(values.iter().all(|&v| v == value));
            model.typed(placed, ptr, len, value);
        }
        (Err(error), expect) => {
            return Err(TestCaseError::fail(format!(
                "refused {error:?}, model expects {expect:?}"
            )))
        }
    }
    Ok(())
}
