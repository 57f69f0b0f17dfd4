//! Scopes through the borrow-checked API: the same random claims, nested `scoped` calls and
//! resets as the growth property, on one arena per case, each scope a real `Scope` that closes
//! when its closure returns. Outer claims are checked from inside inner scopes, and after they
//! close; a reset happens only where no scope is open (elsewhere it does not compile).

use std::vec::IntoIter;

use proptest::prelude::*;

use lightwatch_memory::{Arena, Claims, ResetMode, Scope};

use super::chain::{ChainModel, Padded};
use super::claims::{arena_config, claim_bytes, claim_size, claim_typed, figures, reset_mode};
use super::{alignment, config};

#[derive(Debug, Clone)]
enum Op {
    Allocate { size: usize, alignment: usize },
    Typed { len: usize, value: Padded },
    Open,
    Close,
    Reset(ResetMode),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        12 => (claim_size(), alignment()).prop_map(|(size, alignment)| Op::Allocate { size, alignment }),
        3 => (0usize..40, any::<Padded>()).prop_map(|(len, value)| Op::Typed { len, value }),
        4 => Just(Op::Open),
        3 => Just(Op::Close),
        1 => reset_mode().prop_map(Op::Reset),
    ]
}

/// The state the interpreter threads through its nested scopes.
struct Run {
    model: ChainModel,
    ops: IntoIter<Op>,
    stamp: u8,
}

impl Run {
    /// Applies a claim through `target`; false for an op that is not a claim.
    fn claim(&mut self, target: &impl Claims, op: &Op) -> Result<bool, TestCaseError> {
        match *op {
            Op::Allocate { size, alignment } => {
                self.stamp = self.stamp.wrapping_add(1).max(1);
                claim_bytes(target, &mut self.model, size, alignment, self.stamp)?;
            }
            Op::Typed { len, value } => claim_typed(target, &mut self.model, len, value)?,
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// Runs ops on the arena itself, with no scope open, to the end.
    fn top(&mut self, arena: &mut Arena) -> Result<(), TestCaseError> {
        while let Some(op) = self.ops.next() {
            if !self.claim(&*arena, &op)? {
                match op {
                    Op::Open => {
                        self.model.open();
                        arena.scoped(|scope| self.inside(scope))?;
                        self.model.close(0);
                    }
                    Op::Reset(mode) => {
                        arena.reset_with(mode);
                        self.model.reset(mode, arena.as_ptr() as usize)?;
                    }
                    _ => {} // a close with no scope open
                }
            }
            self.model.check(figures(arena))?;
        }
        Ok(())
    }

    /// Runs ops in `scope` until a close (or the end).
    fn inside(&mut self, scope: &mut Scope<'_>) -> Result<(), TestCaseError> {
        let depth = self.model.open_scopes();
        prop_assert_eq!(scope.mark_used(), self.model.used());
        while let Some(op) = self.ops.next() {
            if !self.claim(&*scope, &op)? {
                match op {
                    Op::Open => {
                        self.model.open();
                        scope.scoped(|inner| self.inside(inner))?;
                        self.model.close(depth);
                    }
                    Op::Close => return Ok(()), // the caller's `scoped` closes it
                    _ => {}                     // a reset cannot happen here: it needs the arena
                }
            }
            self.model.check(figures(scope))?;
        }
        Ok(())
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn scopes_follow_the_model(
        arena_config in arena_config(),
        ops in prop::collection::vec(op(), 1..if cfg!(miri) { 32 } else { 96 }),
    ) {
        let mut arena = arena_config.arena();
        let model = ChainModel::new(arena_config, &arena);
        let mut run = Run { model, ops: ops.into_iter(), stamp: 0 };
        run.top(&mut arena)?;
        prop_assert_eq!(run.model.open_scopes(), 0);
    }
}
