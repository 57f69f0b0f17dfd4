//! The rules of an arena over a chain of blocks: where a claim goes, when and by how much the
//! chain grows, where a scope rewinds to, and what a reset keeps.
//!
//! One file because the rule is one piece: claims, growth, checkpoints and the three reset modes
//! all move the chain's one cursor. Its tests are in `tests/all/` (`chain.rs`, `checkpoint.rs`,
//! `growth.rs`, `reset.rs`).
//!
//! Design note: [`Chain`] is arithmetic on [`Region`]s and touches no memory, like [`Bump`], so
//! one rule serves [`crate::Arena`] (which owns its blocks), the Node binding (whose blocks may be
//! V8-owned) and the package's differential test, which runs it beside the TypeScript facade's
//! copy. Claims only ever move forward through the chain: the tail of a block that cannot hold a
//! request is given up until the next rewind or reset, and a block that a scope added stays, empty,
//! for the next claims that reach it. So the bytes before the cursor are `used` (tails included),
//! the bytes after it `available`, and `used + available == capacity` always holds.
//!
//! Growth follows bumpalo: a full growable arena adds a block of `max(2 x the last block, the
//! padded request)` bytes, never past its `max_capacity`. Reset follows Zig's
//! `ArenaAllocator.reset`: [`ResetMode::Retain`] keeps the capacity (several blocks become one, so
//! the next cycle of the same work needs no growth), [`ResetMode::Release`] goes back to the
//! initial block, [`ResetMode::RetainWithLimit`] retains at most a given size.

use crate::address::{check_alignment, Region};
use crate::{AllocError, Bump};

/// How an arena may grow: the options of `new Arena(capacity, { growable, maxCapacity })`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ArenaOptions {
    /// Whether a full arena adds a block (`false`: it refuses the request).
    pub growable: bool,
    /// The most bytes all blocks together may hold (`None`: no limit but the system's). Only for
    /// a growable arena.
    pub max_capacity: Option<usize>,
}

impl ArenaOptions {
    /// An arena that never grows (the default).
    pub const FIXED: Self = Self {
        growable: false,
        max_capacity: None,
    };

    /// An arena that grows without limit.
    pub const GROWABLE: Self = Self {
        growable: true,
        max_capacity: None,
    };

    /// Checks the options against the arena's initial `capacity`.
    ///
    /// # Errors
    /// [`AllocError::MaxCapacityWithoutGrowth`] if `max_capacity` is set on an arena that does
    /// not grow; [`AllocError::MaxCapacityBelowCapacity`] if it is below `capacity`.
    pub const fn check(self, capacity: usize) -> Result<Self, AllocError> {
        match self.max_capacity {
            Some(max_capacity) if !self.growable => {
                Err(AllocError::MaxCapacityWithoutGrowth { max_capacity })
            }
            Some(max_capacity) if max_capacity < capacity => {
                Err(AllocError::MaxCapacityBelowCapacity {
                    capacity,
                    max_capacity,
                })
            }
            _ => Ok(self),
        }
    }
}

/// What [`Arena::reset_with`](crate::Arena::reset_with) keeps: Zig's reset modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResetMode {
    /// Keep the capacity: one block of the whole capacity (the same block if there is only one,
    /// so the same memory and addresses).
    #[default]
    Retain,
    /// Back to one block of the initial capacity; the rest is freed.
    Release,
    /// As [`ResetMode::Retain`], but keep at most `max(limit, initial capacity)` bytes.
    RetainWithLimit(usize),
}

/// The memory a reset leaves the arena with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retained {
    /// The first block, as it is; every other block is freed.
    First,
    /// One new block of this many bytes; every block is freed.
    New(usize),
}

impl ResetMode {
    /// What a reset in this mode keeps of an arena whose first block has `first` bytes, whose
    /// blocks have `capacity` bytes in all, and which was made with `initial` bytes.
    #[must_use]
    pub const fn retained(self, first: usize, capacity: usize, initial: usize) -> Retained {
        let target = match self {
            Self::Retain => capacity,
            Self::Release => initial,
            Self::RetainWithLimit(limit) => {
                let keep = if limit > initial { limit } else { initial };
                if keep < capacity {
                    keep
                } else {
                    capacity
                }
            }
        };
        if first == target {
            Retained::First
        } else {
            Retained::New(target)
        }
    }
}

/// The size of the block a full growable arena adds for a request of `size` bytes aligned to
/// `alignment`: `max(2 x last, padded request)`, within `max_capacity`. `capacity` is the
/// bytes of all blocks so far; `available`, what they can still hand out (for the error).
///
/// The padded request is `size` plus the most padding a block aligned to [`BLOCK_ALIGNMENT`]
/// can need, so the new block always holds the request.
///
/// # Errors
/// [`AllocError::Exhausted`] if the arena does not grow, or its `max_capacity` leaves no room for
/// the padded request; [`AllocError::InvalidAlignment`]; [`AllocError::SizeOverflow`] if the
/// padded request exceeds `isize::MAX`.
pub const fn next_block_size(
    options: ArenaOptions,
    last: usize,
    capacity: usize,
    available: usize,
    size: usize,
    alignment: usize,
) -> Result<usize, AllocError> {
    if let Err(error) = check_alignment(alignment) {
        return Err(error);
    }
    let exhausted = AllocError::Exhausted {
        requested: size,
        alignment,
        available,
        capacity,
        max_capacity: options.max_capacity,
    };
    if !options.growable {
        return Err(exhausted);
    }
    let padded = match size.checked_add(alignment.saturating_sub(BLOCK_ALIGNMENT)) {
        Some(padded) if padded <= isize::MAX as usize => padded,
        _ => return Err(AllocError::SizeOverflow { size, alignment }),
    };
    let doubled = last.saturating_mul(2);
    // At least one byte: a block of zero bytes (after an arena of zero bytes) would have no room.
    let mut bytes = if doubled > padded { doubled } else { padded };
    if bytes == 0 {
        bytes = 1;
    }
    if bytes > isize::MAX as usize {
        bytes = isize::MAX as usize;
    }
    if let Some(max) = options.max_capacity {
        let room = max.saturating_sub(capacity);
        if room < padded || room == 0 {
            return Err(exhausted);
        }
        if bytes > room {
            bytes = room;
        }
    }
    Ok(bytes)
}

/// The alignment of every block's first byte: a cache line, so common alignments need no
/// padding, and the padded request of [`next_block_size`] is exact up to 64.
pub const BLOCK_ALIGNMENT: usize = 64;

/// Where a claim landed: a block of the chain and an offset in it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Claim {
    /// The block's index in the chain (0 is the first).
    pub block: usize,
    /// The offset of the first byte from the block's start.
    pub offset: usize,
}

/// What [`Chain::allocate`] needs from its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The request was claimed.
    Claimed(Claim),
    /// No block has room: add one of this many bytes ([`Chain::push_block`]) and ask again.
    Grow(usize),
}

/// A position in a chain to rewind to: where a scope opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Checkpoint {
    block: usize,
    cursor: usize,
    before: usize,
    epoch: u64,
}

impl Checkpoint {
    /// The bytes the chain had used at this position.
    #[must_use]
    pub const fn used(&self) -> usize {
        self.before + self.cursor
    }
}

/// The arena rule over a chain of blocks: the bump rule in the current block, the walk to the
/// next block with room, growth, checkpoints and resets.
///
/// ```
/// use lightwatch_memory::{ArenaOptions, Chain, Region, Step};
/// let first = Region { address: 0x10000, len: 64 };
/// let mut chain = Chain::new(first, ArenaOptions::GROWABLE)?;
/// assert!(matches!(chain.allocate(48, 16)?, Step::Claimed(_)));
/// assert_eq!(chain.allocate(32, 16)?, Step::Grow(128)); // max(2 x 64, 32)
/// chain.push_block(Region { address: 0x20000, len: 128 })?;
/// assert!(matches!(chain.allocate(32, 16)?, Step::Claimed(c) if c.block == 1 && c.offset == 0));
/// assert_eq!((chain.used(), chain.capacity(), chain.available()), (64 + 32, 192, 96));
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Chain {
    /// The bump rule of the current block (the hot path touches only this).
    head: Bump,
    /// The current block's index.
    index: usize,
    /// The bytes of the blocks before the current one: used, tails included.
    before: usize,
    blocks: Vec<Region>,
    capacity: usize,
    initial: usize,
    options: ArenaOptions,
    /// Counts resets, so that a checkpoint from before one is refused.
    epoch: u64,
}

impl Chain {
    /// A chain of one block, `first`, whose size is the arena's initial capacity.
    ///
    /// # Errors
    /// As [`ArenaOptions::check`]; [`AllocError::SizeOverflow`] if the region wraps.
    pub fn new(first: Region, options: ArenaOptions) -> Result<Self, AllocError> {
        let options = options.check(first.len)?;
        Ok(Self {
            head: Bump::new(first.address, first.len)?,
            index: 0,
            before: 0,
            blocks: vec![first],
            capacity: first.len,
            initial: first.len,
            options,
            epoch: 0,
        })
    }

    /// Claims `size` bytes aligned to `alignment`: in the current block if they fit, else in the
    /// next block that has room; if none has, asks for a new block. On error nothing changes.
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`]; [`AllocError::Exhausted`] if no block has room and the
    /// arena may not grow; [`AllocError::SizeOverflow`] for a request no block could hold.
    #[inline]
    pub fn allocate(&mut self, size: usize, alignment: usize) -> Result<Step, AllocError> {
        match self.try_allocate(size, alignment) {
            Some(claim) => Ok(Step::Claimed(claim)),
            None => {
                check_alignment(alignment)?;
                self.advance(size, alignment)
            }
        }
    }

    /// The fast path of [`Chain::allocate`]: a claim in the current block, or `None` (nothing
    /// changed) for anything else: another block, growth or an error.
    #[inline(always)]
    pub(crate) fn try_allocate(&mut self, size: usize, alignment: usize) -> Option<Claim> {
        let offset = self.head.try_allocate(size, alignment)?;
        Some(Claim {
            block: self.index,
            offset,
        })
    }

    /// The slow path: the current block is full.
    #[cold]
    #[inline(never)]
    fn advance(&mut self, size: usize, alignment: usize) -> Result<Step, AllocError> {
        let mut skipped = self.head.capacity();
        for index in self.index + 1..self.blocks.len() {
            let block = self.blocks[index];
            let mut bump = Bump::new(block.address, block.len)?;
            if let Ok(offset) = bump.allocate(size, alignment) {
                self.before += skipped;
                self.index = index;
                self.head = bump;
                return Ok(Step::Claimed(Claim {
                    block: index,
                    offset,
                }));
            }
            skipped += block.len;
        }
        let last = self.blocks.last().map_or(0, |block| block.len);
        next_block_size(
            self.options,
            last,
            self.capacity,
            self.available(),
            size,
            alignment,
        )
        .map(Step::Grow)
    }

    /// Appends a block, after [`Step::Grow`]: the next [`Chain::allocate`] of the same request
    /// lands in it (or in an earlier block with room).
    ///
    /// # Errors
    /// [`AllocError::OutOfMemory`], with the block's figures, if the list of blocks cannot grow
    /// to hold it (a `Vec::push` would abort instead); nothing changes.
    pub fn push_block(&mut self, block: Region) -> Result<(), AllocError> {
        self.blocks
            .try_reserve(1)
            .map_err(|_| AllocError::OutOfMemory {
                size: block.len,
                alignment: BLOCK_ALIGNMENT,
            })?;
        self.capacity += block.len;
        self.blocks.push(block);
        Ok(())
    }

    /// The current position, to rewind to.
    #[must_use]
    pub const fn checkpoint(&self) -> Checkpoint {
        Checkpoint {
            block: self.index,
            cursor: self.head.used(),
            before: self.before,
            epoch: self.epoch,
        }
    }

    /// Rewinds to `checkpoint`: everything claimed since is free again; blocks added since stay.
    ///
    /// # Panics
    /// If `checkpoint` is from before the last reset, past the current position, or not a
    /// position of this chain (another chain's): checkpoints rewind in stack order, as scopes
    /// close.
    pub fn rewind(&mut self, checkpoint: Checkpoint) {
        let Checkpoint {
            block,
            cursor,
            before,
            epoch,
        } = checkpoint;
        // Another chain's checkpoint can pass the epoch test; its cursor could then lie past its
        // block's end (claims past the block) or its `before` differ from this chain's (claims at
        // logical offsets that are not theirs, which the arena's scrub relies on): refuse both.
        assert!(
            epoch == self.epoch
                && block <= self.index
                && cursor <= self.blocks[block].len
                && before == self.start_of(block)
                && checkpoint.used() <= self.used(),
            "rewind to a checkpoint that is not behind the current position"
        );
        if block == self.index {
            self.head.rewind(cursor);
        } else {
            let region = self.blocks[block];
            self.head = Bump::at(region.address, region.len, cursor);
            self.index = block;
            self.before = before;
        }
    }

    /// The bytes of the blocks before block `index` (O(1) for the current block).
    fn start_of(&self, index: usize) -> usize {
        if index == self.index {
            self.before
        } else {
            self.blocks[..index].iter().map(|block| block.len).sum()
        }
    }

    /// What a reset in `mode` keeps (see [`ResetMode::retained`]).
    #[must_use]
    pub fn retained(&self, mode: ResetMode) -> Retained {
        mode.retained(self.blocks[0].len, self.capacity, self.initial)
    }

    /// Starts over in one block, `first`: the chain's first block ([`Retained::First`]) or a new
    /// one ([`Retained::New`]). Every checkpoint taken before is void.
    pub fn restart(&mut self, first: Region) {
        self.blocks.clear();
        self.blocks.push(first);
        self.capacity = first.len;
        self.start_over();
    }

    /// Starts over keeping every block (the fallback of a reset whose new block the system
    /// refused: the capacity stays, in several blocks).
    pub fn rewind_all(&mut self) {
        self.start_over();
    }

    fn start_over(&mut self) {
        let first = self.blocks[0];
        self.head = Bump::at(first.address, first.len, 0);
        self.index = 0;
        self.before = 0;
        self.epoch += 1;
    }

    /// Bytes claimed, padding and given-up tails included: `capacity - available`.
    #[must_use]
    pub const fn used(&self) -> usize {
        self.before + self.head.used()
    }

    /// Bytes that can still be claimed without growing.
    #[must_use]
    pub const fn available(&self) -> usize {
        self.capacity - self.used()
    }

    /// Bytes of all blocks.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// The bytes the arena was made with.
    #[must_use]
    pub const fn initial_capacity(&self) -> usize {
        self.initial
    }

    /// The blocks, in chain order.
    #[must_use]
    pub fn blocks(&self) -> &[Region] {
        &self.blocks
    }

    /// The current block's index.
    #[must_use]
    pub const fn current_block(&self) -> usize {
        self.index
    }

    /// How the arena may grow.
    #[must_use]
    pub const fn options(&self) -> ArenaOptions {
        self.options
    }

    /// The logical offset of `claim`: its position in the chain's blocks laid end to end, the
    /// offset a one-block arena reports.
    #[must_use]
    pub fn logical_offset(&self, claim: Claim) -> usize {
        self.start_of(claim.block) + claim.offset
    }
}
