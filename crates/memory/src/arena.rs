//! The arena: bump allocation over a chain of owned blocks, reset in O(1), scopes that free
//! what they claimed, no per-allocation bookkeeping.
//!
//! One file because the arena is one type: its allocation, reset, scope and checkpoint methods
//! all go through the chain's one cell. Its tests are in `tests/all/arena.rs`, with the rules it
//! shares with the other allocators in `tests/all/alignment.rs` and `limits.rs`.
//!
//! Design note: every decision (where a claim goes, growth, what a reset keeps, where a scope
//! rewinds to) is [`Chain`]'s, which does arithmetic on addresses; [`Arena`] owns the blocks and
//! hands out references. References borrow the arena (`&self`, like `bumpalo`), and
//! [`Arena::reset`] takes `&mut self`, so no reference can outlive a reset: use-after-reset does
//! not compile. Scopes ([`Arena::scope`], [`crate::Scope`]) borrow the arena mutably, as the
//! `bump-scope` crate's do, and their references live as long as that borrow, so a scope's
//! references cannot be used once a later claim could reuse their memory.

use core::cell::UnsafeCell;
use core::mem::{align_of, size_of, MaybeUninit};
use core::ptr::NonNull;

use crate::address::Region;
use crate::chain::{ArenaOptions, Checkpoint, ResetMode, Retained, Step, BLOCK_ALIGNMENT};
use crate::{AlignedBlock, AllocError, Chain, Claims, Scope};

/// The alignment of claims whose caller has no better idea: 16 bytes (SSE, NEON).
pub const DEFAULT_ALIGNMENT: usize = 16;

/// A bump arena over a chain of owned, zeroed blocks: O(1) allocation, no fragmentation, O(1)
/// reset. A fixed arena ([`Arena::new`]) has one block; a growable one adds blocks as it fills.
///
/// ```
/// use lightwatch_memory::Arena;
/// let mut arena = Arena::new(64 * 1024)?;
/// let activations: &mut [f32] = arena.alloc_slice_fill(256, 0.0)?;
/// activations[0] = 1.5;
/// assert_eq!(arena.used(), 1024);
/// arena.reset(); // `activations` cannot be used past this line: the borrow checker says so
/// assert_eq!(arena.used(), 0);
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
pub struct Arena {
    // `UnsafeCell`: claims bump through `&self`. It also makes the arena `!Sync`.
    state: UnsafeCell<State>,
}

struct State {
    chain: Chain,
    /// The chain's blocks, in its order.
    blocks: Vec<AlignedBlock>,
    /// The current block's first byte, `blocks[chain.current_block()]`, so the hot path needs no
    /// lookup: refreshed (`refresh_head`) wherever the chain may change blocks.
    head: NonNull<u8>,
    /// Bytes at or past this logical offset have only ever been written as bytes, so they are
    /// initialised. Below it, a typed claim ([`Arena::alloc_slice_fill`]) may have left padding
    /// bytes uninitialised, which the byte API must not hand out as `u8`s: it zeroes them first.
    typed_end: usize,
}

impl Arena {
    /// The alignment of claims whose caller has no better idea: 16 bytes (SSE).
    pub const DEFAULT_ALIGNMENT: usize = DEFAULT_ALIGNMENT;
    /// The alignment of every block: a cache line, so common alignments need no padding.
    pub const BLOCK_ALIGNMENT: usize = BLOCK_ALIGNMENT;

    /// A fixed arena of `capacity` zeroed bytes, in one block.
    ///
    /// # Errors
    /// [`AllocError::SizeOverflow`] if `capacity` cannot be laid out;
    /// [`AllocError::OutOfMemory`] if the system refuses it. Never aborts.
    pub fn new(capacity: usize) -> Result<Self, AllocError> {
        Self::with_options(capacity, ArenaOptions::FIXED)
    }

    /// A growable arena whose first block has `capacity` zeroed bytes, with no limit but the
    /// system's.
    ///
    /// # Errors
    /// As [`Arena::new`].
    pub fn growable(capacity: usize) -> Result<Self, AllocError> {
        Self::with_options(capacity, ArenaOptions::GROWABLE)
    }

    /// An arena whose first block has `capacity` zeroed bytes, growing as `options` allow.
    ///
    /// ```
    /// use lightwatch_memory::{AllocError, Arena, ArenaOptions};
    /// let options = ArenaOptions { growable: true, max_capacity: Some(4096) };
    /// let arena = Arena::with_options(1024, options)?;
    /// arena.allocate(1024, 16)?;
    /// arena.allocate(2048, 16)?; // a second block of max(2 x 1024, 2048) bytes
    /// assert_eq!((arena.blocks(), arena.capacity()), (2, 3072));
    /// assert!(matches!(arena.allocate(2048, 16), Err(AllocError::Exhausted { .. })));
    /// # Ok::<(), AllocError>(())
    /// ```
    ///
    /// # Errors
    /// As [`Arena::new`], and as [`ArenaOptions::check`].
    pub fn with_options(capacity: usize, options: ArenaOptions) -> Result<Self, AllocError> {
        let options = options.check(capacity)?;
        let block = AlignedBlock::zeroed(capacity, BLOCK_ALIGNMENT)?;
        let chain = Chain::new(region(&block), options)?;
        Ok(Self {
            state: UnsafeCell::new(State {
                chain,
                head: block.as_non_null(),
                blocks: vec![block],
                typed_end: 0,
            }),
        })
    }

    /// The state, to read. Never handed out: a caller could hold it across a claim.
    fn state(&self) -> &State {
        // SAFETY: the arena is `!Sync`, no `&State` leaves the expression that made it, and no
        // `&mut State` outlives the method that made it (`claim`, `scrub`, `rewind_shared` and the
        // `&mut self` methods), none of which calls back into code that could be reading.
        unsafe { &*self.state.get() }
    }

    /// Claims `size` bytes aligned to `alignment`, growing if the arena may, and returns their
    /// logical offset (see [`Arena::offset_of`]) and first byte. The bytes may be uninitialised.
    ///
    /// Split in two so that the common case, a claim in the current block, inlines into every
    /// caller and builds no error. Measured with callgrind, a 16-byte `alloc_slice_fill` took 71
    /// instructions as one function, 33 split (bumpalo's `alloc`: 18); see `arena/growable` in
    /// `benches/allocators.rs`.
    #[inline(always)]
    fn claim(&self, size: usize, alignment: usize) -> Result<(usize, NonNull<u8>), AllocError> {
        // SAFETY: see `state`; this `&mut` ends with the call, and nothing in it calls out.
        let state = unsafe { &mut *self.state.get() };
        match state.chain.try_allocate(size, alignment) {
            Some(claim) => Ok(state.place(claim, size)),
            None => self.claim_slow(size, alignment),
        }
    }

    /// The slow path of `claim`: another block, growth, or an error.
    #[cold]
    #[inline(never)]
    fn claim_slow(
        &self,
        size: usize,
        alignment: usize,
    ) -> Result<(usize, NonNull<u8>), AllocError> {
        // SAFETY: see `state`; this `&mut` ends with the call, and nothing in it calls out.
        let state = unsafe { &mut *self.state.get() };
        let claim = match state.chain.allocate(size, alignment)? {
            Step::Claimed(claim) => claim,
            Step::Grow(bytes) => state.grow(bytes, size, alignment)?,
        };
        state.refresh_head();
        Ok(state.place(claim, size))
    }

    /// Claims `size` bytes aligned to `alignment` and returns their logical offset: their
    /// position in the arena's blocks laid end to end (in a one-block arena, the offset from
    /// its start). The bytes are initialised: see [`Arena::allocate`] for what they hold.
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`]; [`AllocError::Exhausted`] if the arena may not grow (or
    /// not that far); [`AllocError::OutOfMemory`] if growing failed. The arena is unchanged.
    #[inline]
    pub fn allocate_offset(&self, size: usize, alignment: usize) -> Result<usize, AllocError> {
        self.allocate_bytes(size, alignment)
            .map(|(offset, _)| offset)
    }

    #[inline]
    fn allocate_bytes(
        &self,
        size: usize,
        alignment: usize,
    ) -> Result<(usize, NonNull<u8>), AllocError> {
        let (offset, ptr) = self.claim(size, alignment)?;
        if offset < self.state().typed_end {
            self.scrub(offset);
        }
        Ok((offset, ptr))
    }

    /// Zeroes what typed claims left from logical offset `from` up, so the byte API never hands
    /// out an uninitialised padding byte. An arena used only through the byte API never gets
    /// here; one that mixes typed and byte claims over the same memory pays at most one `memset`
    /// of the region below its highest typed claim per reset or rewind.
    #[cold]
    #[inline(never)]
    fn scrub(&self, from: usize) {
        // SAFETY: see `state`; this `&mut` ends with the call.
        let state = unsafe { &mut *self.state.get() };
        let end = state.typed_end;
        let mut base = 0;
        for block in &state.blocks {
            let (start, stop) = (from.max(base), end.min(base + block.len()));
            if start < stop {
                // SAFETY: `start - base .. stop - base` is inside the block. No one holds a
                // reference to it: `from` is where the current claim starts, every live claim
                // lies below it, and claims from before a reset or rewind ended with the borrow
                // that reset or rewind took.
                unsafe {
                    block
                        .as_ptr()
                        .add(start - base)
                        .write_bytes(0, stop - start);
                }
            }
            base += block.len();
        }
        state.typed_end = from;
    }

    /// Claims `size` bytes aligned to `alignment` and returns a pointer to the first one.
    ///
    /// # Errors
    /// As [`Arena::allocate_offset`].
    #[inline]
    pub fn allocate_raw(&self, size: usize, alignment: usize) -> Result<NonNull<u8>, AllocError> {
        self.allocate_bytes(size, alignment).map(|(_, ptr)| ptr)
    }

    /// Claims `size` bytes aligned to `alignment` (the phase-02 spec's `allocate`: docs/design.md,
    /// "The upstream spec").
    ///
    /// The bytes are zero in a fresh block. After a [`reset`](Arena::reset) they are not zeroed
    /// (like `Buffer.allocUnsafe`): they hold what was last written to them, except where typed
    /// values ([`Arena::alloc_slice_fill`], [`Arena::alloc_slice_copy`]) have been claimed since
    /// the arena last zeroed them. A typed value's padding bytes are uninitialised, so before
    /// handing that region out as bytes again the arena zeroes it, from the claim's start to the
    /// end of the last typed claim. Either way every byte handed out is initialised.
    ///
    /// # Errors
    /// As [`Arena::allocate_offset`].
    #[inline]
    #[allow(clippy::mut_from_ref)] // disjoint claims on the blocks, as bumpalo hands them out
    pub fn allocate(&self, size: usize, alignment: usize) -> Result<&mut [u8], AllocError> {
        let ptr = self.allocate_raw(size, alignment)?;
        // SAFETY: the bytes are inside a block, initialised (zeroed at birth, only ever written
        // as bytes, or scrubbed), and claimed by no one else until a reset or rewind, which need
        // `&mut self` and so end this borrow first, or a scope's close (`rewind_shared`), after
        // which nothing claims again while this borrow lasts (see `Scope::open`).
        Ok(unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), size) })
    }

    /// Claims room for `len` values of `T` (at least [`DEFAULT_ALIGNMENT`]-aligned) and fills it
    /// with `value`. `T: Copy`, so nothing in the arena ever needs dropping.
    ///
    /// # Errors
    /// [`AllocError::SizeOverflow`] if `len * size_of::<T>()` overflows; otherwise as
    /// [`Arena::allocate_offset`].
    #[allow(clippy::mut_from_ref)]
    pub fn alloc_slice_fill<T: Copy>(&self, len: usize, value: T) -> Result<&mut [T], AllocError> {
        let slice = self.alloc_slice_uninit::<T>(len)?;
        // SAFETY: the claim is `len` `T`s inside a block, aligned, owned by this borrow (as in
        // `allocate`).
        Ok(unsafe { fill(slice, len, value) })
    }

    /// Claims room for a copy of `src` and copies it in.
    ///
    /// # Errors
    /// As [`Arena::alloc_slice_fill`].
    #[allow(clippy::mut_from_ref)]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&mut [T], AllocError> {
        let slice = self.alloc_slice_uninit::<T>(src.len())?;
        // SAFETY: as in `alloc_slice_fill`; `src` cannot overlap a fresh claim.
        Ok(unsafe { copy(slice, src) })
    }

    /// Claims room for `len` values of `T`, uninitialised, and moves the typed mark past it.
    fn alloc_slice_uninit<T>(&self, len: usize) -> Result<NonNull<T>, AllocError> {
        let alignment = align_of::<T>().max(DEFAULT_ALIGNMENT);
        let size = len
            .checked_mul(size_of::<T>())
            .ok_or(AllocError::SizeOverflow {
                size: usize::MAX,
                alignment,
            })?;
        // Typed values need no scrub (they are written before they are read), but their padding
        // bytes will be uninitialised afterwards: move the mark past them.
        let (offset, ptr) = self.claim(size, alignment)?;
        // SAFETY: see `state`; this `&mut` ends with the statement.
        let state = unsafe { &mut *self.state.get() };
        state.typed_end = state.typed_end.max(offset + size);
        Ok(ptr.cast())
    }

    /// Makes the whole arena free again, keeping its capacity ([`ResetMode::Retain`]): one block
    /// keeps the same memory and addresses. Reused bytes are not zeroed.
    #[inline]
    pub fn reset(&mut self) {
        self.reset_with(ResetMode::Retain);
    }

    /// Makes the whole arena free again, keeping what `mode` says (Zig's reset modes): see
    /// [`ResetMode`]. If the system refuses a new block that the mode asks for, the arena keeps
    /// the blocks it has instead; a reset never fails.
    pub fn reset_with(&mut self, mode: ResetMode) {
        let state = self.state.get_mut();
        match state.chain.retained(mode) {
            Retained::First => {
                state.blocks.truncate(1);
                state.chain.restart(region(&state.blocks[0]));
                state.typed_end = state.typed_end.min(state.blocks[0].len());
            }
            Retained::New(bytes) => match AlignedBlock::zeroed(bytes, BLOCK_ALIGNMENT) {
                Ok(block) => {
                    state.chain.restart(region(&block));
                    state.blocks.clear();
                    state.blocks.push(block);
                    state.typed_end = 0;
                }
                Err(_) => state.chain.rewind_all(),
            },
        }
        state.refresh_head();
    }

    /// The current position, for [`Arena::rewind`]: the raw form of a scope.
    #[must_use]
    #[inline]
    pub fn checkpoint(&self) -> Checkpoint {
        self.state().chain.checkpoint()
    }

    /// Frees everything claimed since `checkpoint`; blocks added since stay, for reuse.
    ///
    /// # Panics
    /// If `checkpoint` is from before the last reset, past the current position, or another
    /// arena's.
    pub fn rewind(&mut self, checkpoint: Checkpoint) {
        let state = self.state.get_mut();
        state.chain.rewind(checkpoint);
        state.refresh_head();
    }

    /// Rewinds through a shared reference: for a [`Scope`], which holds the arena exclusively.
    pub(crate) fn rewind_shared(&self, checkpoint: Checkpoint) {
        // SAFETY: see `state`; this `&mut` ends with the call.
        let state = unsafe { &mut *self.state.get() };
        state.chain.rewind(checkpoint);
        state.refresh_head();
    }

    /// Opens a scope: what it claims is freed when it is dropped, what was claimed before stays.
    /// The same as [`Claims::scope`], here so that an arena's scope needs no import; a scope's
    /// own figures and nested scopes are [`Claims`]'s.
    ///
    /// ```
    /// use lightwatch_memory::{Arena, Claims};
    /// let mut arena = Arena::growable(1024)?;
    /// let mut outer = arena.scope();
    /// let output = outer.alloc_slice_fill(16, 0.0f32)?;
    /// {
    ///     let layer = outer.scope();
    ///     let temporary = layer.alloc_slice_fill(4096, 1.0f32)?; // grows the arena
    ///     output[0] = temporary.iter().sum();
    /// } // the layer's temporaries are freed; its block stays for the next layer
    /// assert_eq!(output[0], 4096.0);
    /// assert_eq!(outer.used(), 64);
    /// # Ok::<(), lightwatch_memory::AllocError>(())
    /// ```
    #[inline]
    pub fn scope(&mut self) -> Scope<'_> {
        Claims::scope(self)
    }

    /// Runs `f` in a new scope and closes it when `f` returns (or unwinds): [`Claims::scoped`].
    pub fn scoped<R>(&mut self, f: impl FnOnce(&mut Scope<'_>) -> R) -> R {
        Claims::scoped(self, f)
    }

    /// The logical offset of `ptr` (see [`Arena::allocate_offset`]), if it points into one of
    /// the arena's blocks (one past a block's end counts, for zero-sized claims).
    #[must_use]
    pub fn offset_of(&self, ptr: *const u8) -> Option<usize> {
        let mut base = 0;
        for block in &self.state().blocks {
            if let Some(offset) = (ptr as usize).checked_sub(block.as_ptr() as usize) {
                if offset <= block.len() {
                    return Some(base + offset);
                }
            }
            base += block.len();
        }
        None
    }

    /// The first block's first byte.
    #[must_use]
    pub fn as_ptr(&self) -> *const u8 {
        self.state().blocks[0].as_ptr()
    }

    /// Bytes claimed since the last reset, padding and given-up block tails included.
    #[must_use]
    pub fn used(&self) -> usize {
        self.state().chain.used()
    }

    /// Bytes in all blocks.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.state().chain.capacity()
    }

    /// Bytes that can still be claimed without growing: `capacity() - used()`.
    #[must_use]
    pub fn available(&self) -> usize {
        self.state().chain.available()
    }

    /// The number of blocks (1 for an arena that does not grow).
    #[must_use]
    pub fn blocks(&self) -> usize {
        self.state().blocks.len()
    }

    /// The capacity the arena was made with: its first block's, and what
    /// [`ResetMode::Release`] goes back to.
    #[must_use]
    pub fn initial_capacity(&self) -> usize {
        self.state().chain.initial_capacity()
    }

    /// How the arena may grow.
    #[must_use]
    pub fn options(&self) -> ArenaOptions {
        self.state().chain.options()
    }
}

// SAFETY: `head` points into one of the arena's own blocks, which it owns and which move with it;
// the rest of the state (the chain's arithmetic, the blocks, a counter) is `Send` by itself. Not
// `Sync`: claims go through `&self` (see `state`).
unsafe impl Send for Arena {}

impl State {
    /// The logical offset and first byte of `claim`, of `size` bytes, just made.
    #[inline(always)]
    fn place(&self, claim: crate::Claim, size: usize) -> (usize, NonNull<u8>) {
        let logical = self.chain.used() - size;
        debug_assert_eq!(
            claim.block,
            self.chain.current_block(),
            "claim off the current block"
        );
        debug_assert_eq!(
            self.head,
            self.blocks[claim.block].as_non_null(),
            "stale head"
        );
        debug_assert!(
            claim.offset + size <= self.blocks[claim.block].len(),
            "claim past its block"
        );
        // SAFETY: `head` is the claim's block (a claim is always in the current block), and the
        // chain keeps `offset + size <= len` of it.
        (logical, unsafe { self.head.add(claim.offset) })
    }

    /// Points `head` at the chain's current block again, after anything that may move it.
    fn refresh_head(&mut self) {
        self.head = self.blocks[self.chain.current_block()].as_non_null();
    }

    /// Adds a block of `bytes` and claims the request in it. On error nothing changes.
    #[cold]
    #[inline(never)]
    fn grow(
        &mut self,
        bytes: usize,
        size: usize,
        alignment: usize,
    ) -> Result<crate::Claim, AllocError> {
        self.blocks
            .try_reserve(1)
            .map_err(|_| AllocError::OutOfMemory {
                size: bytes,
                alignment: BLOCK_ALIGNMENT,
            })?;
        let block = AlignedBlock::zeroed(bytes, BLOCK_ALIGNMENT)?;
        // On error the block is freed and nothing has changed; after it nothing can fail.
        self.chain.push_block(region(&block))?;
        self.blocks.push(block);
        match self.chain.allocate(size, alignment)? {
            Step::Claimed(claim) => Ok(claim),
            Step::Grow(_) => unreachable!("a block of the padded request's size holds it"),
        }
    }
}

/// The region of a block, as the chain sees it.
fn region(block: &AlignedBlock) -> Region {
    Region {
        address: block.as_ptr() as usize,
        len: block.len(),
    }
}

/// Writes `value` into the `len` `T`s at `ptr` and returns them.
///
/// # Safety
/// `ptr` must be valid, aligned and unaliased for `len` `T`s for `'a`.
unsafe fn fill<'a, T: Copy>(ptr: NonNull<T>, len: usize, value: T) -> &'a mut [T] {
    // SAFETY: the caller's contract; `MaybeUninit<T>` needs no initialisation to be written.
    let slice =
        unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr().cast::<MaybeUninit<T>>(), len) };
    for slot in slice.iter_mut() {
        slot.write(value);
    }
    // SAFETY: every element was just written.
    unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), len) }
}

/// Copies `src` to `ptr` and returns the copy.
///
/// # Safety
/// `ptr` must be valid, aligned and unaliased for `src.len()` `T`s for `'a`, and not overlap `src`.
unsafe fn copy<'a, T: Copy>(ptr: NonNull<T>, src: &[T]) -> &'a mut [T] {
    // SAFETY: the caller's contract.
    unsafe {
        core::ptr::copy_nonoverlapping(src.as_ptr(), ptr.as_ptr(), src.len());
        core::slice::from_raw_parts_mut(ptr.as_ptr(), src.len())
    }
}

impl core::fmt::Debug for Arena {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let chain = &self.state().chain;
        f.debug_struct("Arena")
            .field("used", &chain.used())
            .field("capacity", &chain.capacity())
            .field("blocks", &chain.blocks().len())
            .field("options", &chain.options())
            .finish()
    }
}
