//! The model of an arena over a chain of blocks, shared by the growth and scope properties: where
//! each claim must land, when the arena must grow and by how much, what a scope's close and a
//! reset give back, and what every live claim must still hold.
//!
//! It is written from the rules as the issue states them (bumpalo's growth, Zig's reset modes,
//! claims that move forward only), in `u128` where sums could overflow, not from the crate's
//! code. It knows block 0's address from `Arena::as_ptr`; a grown block's address it learns from
//! the claim that made it (`used` says the claim's offset in it), and then checks that the claim
//! sits at the block's first aligned address, and predicts every later claim there exactly.

use proptest::prelude::*;

use lightwatch_memory::{AllocError, Arena, ResetMode, MAX_ALIGNMENT};

use super::claims::Config;
use super::{assert_disjoint, model_claim};

/// A typed value with a padding byte, to exercise the scrub of typed regions.
pub type Padded = (u8, u16);

/// What the model says a claim does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// It lands in block `block` (the current one or a later one) at `offset`.
    Claim { block: usize, offset: usize },
    /// It lands in a new block of `bytes` bytes, at that block's first aligned address.
    Grow { bytes: usize },
    /// It is refused with this error, and nothing changes.
    Refused(AllocError),
}

/// Where a claim landed.
#[derive(Debug, Clone, Copy)]
pub struct Placed {
    pub block: usize,
    pub offset: usize,
    /// Its position in the blocks laid end to end.
    pub logical: usize,
}

/// What a live claim holds.
#[derive(Debug, Clone, Copy)]
enum Data {
    Bytes(u8),
    Typed(Padded, usize),
}

struct Block {
    base: usize,
    len: usize,
    /// The last byte written at each offset through the byte API.
    written: Vec<u8>,
    /// Whether a typed value lived at each offset since: then it may read only as zero.
    typed: Vec<bool>,
}

impl Block {
    fn fresh(base: usize, len: usize) -> Self {
        Self {
            base,
            len,
            written: vec![0; len],
            typed: vec![false; len],
        }
    }
}

/// The arena as the model sees it.
pub struct ChainModel {
    config: Config,
    blocks: Vec<Block>,
    index: usize,
    cursor: usize,
    /// Live claims: first byte, length in bytes, contents.
    live: Vec<(*const u8, usize, Data)>,
    /// Open scopes, outermost first: the position and the number of live claims at each mark.
    marks: Vec<(usize, usize, usize)>,
}
/// What the system is assumed to refuse: no address space has 2^62 bytes.
const SYSTEM_REFUSES: u128 = 1 << 62;
const BLOCK_ALIGNMENT: u128 = 64;

impl ChainModel {
    pub fn new(config: Config, arena: &Arena) -> Self {
        Self {
            config,
            blocks: vec![Block::fresh(arena.as_ptr() as usize, config.initial)],
            index: 0,
            cursor: 0,
            live: Vec::new(),
            marks: Vec::new(),
        }
    }

    fn start_of(&self, block: usize) -> usize {
        self.blocks[..block].iter().map(|b| b.len).sum()
    }

    pub fn used(&self) -> usize {
        self.start_of(self.index) + self.cursor
    }

    pub fn capacity(&self) -> usize {
        self.start_of(self.blocks.len())
    }

    /// Where a claim of `size` bytes aligned to `alignment` goes, or why it is refused.
    pub fn expect(&self, size: usize, alignment: usize) -> Expect {
        if !alignment.is_power_of_two() || alignment > MAX_ALIGNMENT {
            return Expect::Refused(AllocError::InvalidAlignment { alignment });
        }
        // The current block from its cursor, then every later block from its start.
        for (block, b) in self.blocks.iter().enumerate().skip(self.index) {
            let from = if block == self.index { self.cursor } else { 0 };
            if let Some(offset) = model_claim(b.base, b.len, from, size, alignment) {
                return Expect::Claim { block, offset };
            }
        }
        let (capacity, options) = (self.capacity(), self.config.options);
        let exhausted = AllocError::Exhausted {
            requested: size,
            alignment,
            available: capacity - self.used(),
            capacity,
            max_capacity: options.max_capacity,
        };
        if !options.growable {
            return Expect::Refused(exhausted);
        }
        // bumpalo: twice the last block, or the request with room for the worst padding a
        // cache-line-aligned block can need; within max_capacity.
        let padded = size as u128 + (alignment as u128).saturating_sub(BLOCK_ALIGNMENT);
        if padded > isize::MAX as u128 {
            return Expect::Refused(AllocError::SizeOverflow { size, alignment });
        }
        let last = self.blocks.last().map_or(0, |b| b.len) as u128;
        let mut bytes = (2 * last).max(padded).max(1).min(isize::MAX as u128);
        if let Some(max) = options.max_capacity {
            let room = (max - capacity) as u128;
            if room < padded || room == 0 {
                return Expect::Refused(exhausted);
            }
            bytes = bytes.min(room);
        }
        if bytes >= SYSTEM_REFUSES {
            let size = bytes as usize;
            // Past isize::MAX once rounded up to the block alignment: no layout describes it.
            return Expect::Refused(if bytes > isize::MAX as u128 + 1 - BLOCK_ALIGNMENT {
                AllocError::SizeOverflow {
                    size,
                    alignment: 64,
                }
            } else {
                AllocError::OutOfMemory {
                    size,
                    alignment: 64,
                }
            });
        }
        Expect::Grow {
            bytes: bytes as usize,
        }
    }

    /// Records a claim the arena made where `expect` said: its first byte `ptr`, and the
    /// arena's `used` after it.
    pub fn record(
        &mut self,
        expect: Expect,
        ptr: *const u8,
        size: usize,
        alignment: usize,
        used: usize,
    ) -> Result<Placed, TestCaseError> {
        prop_assert_eq!(ptr as usize % alignment, 0, "misaligned claim");
        let (block, offset) = match expect {
            Expect::Claim { block, offset } => {
                prop_assert_eq!(ptr as usize, self.blocks[block].base + offset);
                (block, offset)
            }
            Expect::Grow { bytes } => {
                let start = self.capacity();
                prop_assert!(used >= start + size, "a grown claim before the new block");
                let offset = used - start - size;
                // The first aligned address of a cache-line-aligned block is less than one
                // alignment in (and, below 64, the block's first byte).
                prop_assert!(
                    offset < alignment.max(64) && offset.is_multiple_of(64),
                    "offset {} in a new block",
                    offset
                );
                let base = ptr as usize - offset;
                prop_assert_eq!(base % 64, 0, "a block off its cache line");
                prop_assert!(offset + size <= bytes);
                self.blocks.push(Block::fresh(base, bytes));
                (self.blocks.len() - 1, offset)
            }
            Expect::Refused(error) => {
                return Err(TestCaseError::fail(format!(
                    "claimed, model refuses {error:?}"
                )))
            }
        };
        self.index = block;
        self.cursor = offset + size;
        Ok(Placed {
            block,
            offset,
            logical: self.start_of(block) + offset,
        })
    }

    /// Checks the bytes a byte claim found (old bytes, or zero where typed values lived or a
    /// scrub passed; never anything uninitialised, which Miri checks), then fills it with `fill`.
    pub fn fill_bytes(
        &mut self,
        placed: Placed,
        ptr: *mut u8,
        size: usize,
        fill: u8,
    ) -> Result<(), TestCaseError> {
        // SAFETY: `size` bytes were just claimed at `ptr`; the byte API hands out initialised bytes.
        let found = unsafe { core::slice::from_raw_parts(ptr, size) };
        let block = &mut self.blocks[placed.block];
        let range = placed.offset..placed.offset + size;
        for ((&byte, &old), &typed) in found
            .iter()
            .zip(&block.written[range.clone()])
            .zip(&block.typed[range.clone()])
        {
            prop_assert!(
                byte == 0 || (!typed && byte == old),
                "a claimed byte reads {}, model wrote {} (typed: {})",
                byte,
                old,
                typed
            );
        }
        // SAFETY: as above; the claim is this caller's alone.
        unsafe { ptr.write_bytes(fill, size) };
        block.written[range.clone()].fill(fill);
        block.typed[range].fill(false);
        self.live.push((ptr, size, Data::Bytes(fill)));
        Ok(())
    }

    /// Records a typed claim of `len` values, filled with `value` by the arena.
    pub fn typed(&mut self, placed: Placed, ptr: *const Padded, len: usize, value: Padded) {
        let size = len * core::mem::size_of::<Padded>();
        self.blocks[placed.block].typed[placed.offset..placed.offset + size].fill(true);
        self.live.push((ptr.cast(), size, Data::Typed(value, len)));
    }

    pub fn open(&mut self) {
        self.marks.push((self.index, self.cursor, self.live.len()));
    }

    /// Closes the scope at `depth` (0 is the outermost) and every scope opened after it.
    pub fn close(&mut self, depth: usize) {
        let (index, cursor, live) = self.marks[depth];
        self.marks.truncate(depth);
        (self.index, self.cursor) = (index, cursor);
        self.live.truncate(live);
    }

    pub fn open_scopes(&self) -> usize {
        self.marks.len()
    }

    /// A reset in `mode`, after which the arena's first block is at `base`: every scope is
    /// closed, every claim freed, and (Zig) one block stays, of the capacity, the initial
    /// capacity or the limit; the first block itself when that is its size.
    pub fn reset(&mut self, mode: ResetMode, base: usize) -> Result<(), TestCaseError> {
        let (capacity, initial) = (self.capacity(), self.config.initial);
        let keep = match mode {
            ResetMode::Retain => capacity,
            ResetMode::Release => initial,
            ResetMode::RetainWithLimit(limit) => limit.max(initial).min(capacity),
        };
        if self.blocks[0].len == keep {
            self.blocks.truncate(1);
            prop_assert_eq!(
                base,
                self.blocks[0].base,
                "the first block stays where it was"
            );
        } else {
            prop_assert_eq!(base % 64, 0);
            self.blocks = vec![Block::fresh(base, keep)];
        }
        (self.index, self.cursor) = (0, 0);
        self.live.clear();
        self.marks.clear();
        Ok(())
    }

    /// Checks the counters and the limits, that live claims do not overlap, and that each still
    /// holds what was written into it.
    pub fn check(&self, figures: (usize, usize, usize, usize)) -> Result<(), TestCaseError> {
        let (used, capacity) = (self.used(), self.capacity());
        prop_assert_eq!(
            figures,
            (used, capacity - used, capacity, self.blocks.len())
        );
        if let Some(max) = self.config.options.max_capacity {
            prop_assert!(
                capacity <= max,
                "capacity {} past max_capacity {}",
                capacity,
                max
            );
        }
        let regions: Vec<_> = self
            .live
            .iter()
            .map(|&(ptr, len, _)| (ptr as usize, len))
            .collect();
        assert_disjoint(&regions)?;
        for &(ptr, len, data) in &self.live {
            match data {
                Data::Bytes(fill) => {
                    // SAFETY: a live claim of `len` bytes, initialised by `fill_bytes`.
                    let bytes = unsafe { core::slice::from_raw_parts(ptr, len) };
                    prop_assert!(
                        bytes.iter().all(|&b| b == fill),
                        "claim at {:?} lost its data",
                        ptr
                    );
                }
                Data::Typed(value, count) => {
                    // SAFETY: a live claim of `count` values, all written by the arena.
                    let values =
                        unsafe { core::slice::from_raw_parts(ptr.cast::<Padded>(), count) };
                    prop_assert!(
                        values.iter().all(|&v| v == value),
                        "typed claim at {:?} lost its data",
                        ptr
                    );
                }
            }
        }
        Ok(())
    }
}
