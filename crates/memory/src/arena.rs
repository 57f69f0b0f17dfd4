//! The arena: a bump pointer over one block, reset in O(1), no per-allocation bookkeeping.
//!
//! Design note: the bump rule lives in [`Bump`], which does arithmetic on addresses and touches no
//! memory. [`Arena`] applies it to a block it owns; the Node binding applies the same rule to
//! memory it does not own (a V8-owned `ArrayBuffer` under Electron's memory cage), and the
//! TypeScript facade mirrors it on its hot path. Alignment is computed on the absolute address,
//! so any power-of-two alignment holds whatever the block's own alignment is.
//!
//! [`Arena`] hands out references that borrow it (`&self`, like `bumpalo`); [`Arena::reset`]
//! takes `&mut self`, so no reference can outlive a reset: use-after-reset does not compile.

use core::cell::Cell;
use core::mem::{align_of, size_of};
use core::ptr::NonNull;

use crate::{AlignedBlock, AllocError};

/// The bump rule: where the next allocation of `size` bytes aligned to `alignment` starts, in a
/// region of `capacity` bytes at address `base`. Offsets are relative to `base`.
///
/// ```
/// use lightwatch_memory::Bump;
/// let mut bump = Bump::new(0x1004, 64)?; // a region whose first byte is 4 bytes past 16
/// assert_eq!(bump.allocate(8, 16)?, 12); // 0x1010 is the first 16-aligned address
/// assert_eq!(bump.used(), 20);
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bump {
    base: usize,
    capacity: usize,
    cursor: usize,
}

impl Bump {
    /// A fresh rule over `capacity` bytes starting at address `base`.
    ///
    /// # Errors
    /// [`AllocError::SizeOverflow`] if the region would wrap around the address space.
    pub const fn new(base: usize, capacity: usize) -> Result<Self, AllocError> {
        if base.checked_add(capacity).is_none() {
            return Err(AllocError::SizeOverflow {
                size: capacity,
                alignment: 1,
            });
        }
        Ok(Self {
            base,
            capacity,
            cursor: 0,
        })
    }

    /// Claims `size` bytes whose first address is a multiple of `alignment`, and returns their
    /// offset from `base`. On error nothing changes.
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`] if `alignment` is not a power of two;
    /// [`AllocError::Exhausted`] if the padded request does not fit in what is left.
    #[inline]
    pub fn allocate(&mut self, size: usize, alignment: usize) -> Result<usize, AllocError> {
        if !alignment.is_power_of_two() {
            return Err(AllocError::InvalidAlignment { alignment });
        }
        // `base + cursor` cannot overflow: `new` checked `base + capacity`, and cursor <= capacity.
        let address = self.base + self.cursor;
        let padding = address.wrapping_neg() & (alignment - 1);
        // Compared against what is left rather than added up: near the top of the address space
        // `cursor + padding` or `start + size` could wrap.
        let available = self.capacity - self.cursor;
        if padding > available || size > available - padding {
            return Err(self.exhausted(size));
        }
        let start = self.cursor + padding;
        self.cursor = start + size;
        debug_assert!(
            (self.base + start).is_multiple_of(alignment),
            "offset {start} from base {:#x} is not aligned to {alignment}",
            self.base
        );
        Ok(start)
    }

    #[cold]
    fn exhausted(&self, requested: usize) -> AllocError {
        AllocError::Exhausted {
            requested,
            available: self.available(),
        }
    }

    /// Makes the whole region free again.
    #[inline]
    pub fn reset(&mut self) {
        self.cursor = 0;
    }

    /// Bytes claimed so far, padding included.
    #[must_use]
    pub const fn used(&self) -> usize {
        self.cursor
    }

    /// Bytes in the region.
    #[must_use]
    pub const fn capacity(&self) -> usize {
        self.capacity
    }

    /// Bytes not yet claimed (an aligned request may need some of them as padding).
    #[must_use]
    pub const fn available(&self) -> usize {
        self.capacity - self.cursor
    }

    /// The address of the region's first byte.
    #[must_use]
    pub const fn base(&self) -> usize {
        self.base
    }
}

/// A bump arena over one owned, zeroed block: O(1) allocation, no fragmentation, O(1) reset.
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
#[derive(Debug)]
pub struct Arena {
    block: AlignedBlock,
    bump: Cell<Bump>,
    /// Bytes at or past this offset have only ever been written as bytes, so they are
    /// initialised. Below it, a typed claim ([`Arena::alloc_slice_fill`]) may have left padding
    /// bytes uninitialised, which the byte API must not hand out as `u8`s: it zeroes them first.
    typed_end: Cell<usize>,
}

impl Arena {
    /// The alignment of [`Arena::allocate`]'s callers who have no better idea: 16 bytes (SSE).
    pub const DEFAULT_ALIGNMENT: usize = 16;
    /// The alignment of the block itself: a cache line, so common alignments need no padding.
    pub const BLOCK_ALIGNMENT: usize = 64;

    /// An arena of `capacity` zeroed bytes.
    ///
    /// # Errors
    /// [`AllocError::SizeOverflow`] if `capacity` cannot be laid out;
    /// [`AllocError::OutOfMemory`] if the system refuses it. Never aborts.
    pub fn new(capacity: usize) -> Result<Self, AllocError> {
        let block = AlignedBlock::zeroed(capacity, Self::BLOCK_ALIGNMENT)?;
        let bump = Bump::new(block.as_ptr() as usize, capacity)?;
        Ok(Self {
            block,
            bump: Cell::new(bump),
            typed_end: Cell::new(0),
        })
    }

    /// Claims `size` bytes aligned to `alignment` and returns their offset from the arena's start
    /// (the raw API: the binding cuts views at this offset). The bytes are initialised: see
    /// [`Arena::allocate`] for what they hold.
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`] or [`AllocError::Exhausted`]; the arena is unchanged.
    #[inline]
    pub fn allocate_offset(&self, size: usize, alignment: usize) -> Result<usize, AllocError> {
        let offset = self.claim(size, alignment)?;
        if offset < self.typed_end.get() {
            self.scrub(offset);
        }
        Ok(offset)
    }

    /// The bump itself: claims the bytes, whatever they hold.
    #[inline]
    fn claim(&self, size: usize, alignment: usize) -> Result<usize, AllocError> {
        let mut bump = self.bump.get();
        let offset = bump.allocate(size, alignment)?;
        self.bump.set(bump);
        Ok(offset)
    }

    /// Zeroes what typed claims left from `from` up, so the byte API never hands out an
    /// uninitialised padding byte. An arena used only through the byte API never gets here; one
    /// that mixes typed and byte claims over the same memory pays at most one `memset` of the
    /// region below its highest typed claim per reset cycle.
    #[cold]
    #[inline(never)]
    fn scrub(&self, from: usize) {
        let typed_end = self.typed_end.get();
        debug_assert!(
            from < typed_end && typed_end <= self.capacity(),
            "scrub {from}..{typed_end}"
        );
        // SAFETY: `typed_end <= capacity`, so the range is inside the block. No one holds a
        // reference to it: `from` is where the current claim starts, every earlier claim since
        // the last reset lies below it, and claims from before the reset ended with the `&mut`
        // borrow `reset` took.
        unsafe {
            self.block
                .as_ptr()
                .add(from)
                .write_bytes(0, typed_end - from);
        }
        self.typed_end.set(from);
    }

    /// Claims `size` bytes aligned to `alignment` and returns a pointer to the first one.
    ///
    /// # Errors
    /// As [`Arena::allocate_offset`].
    #[inline]
    pub fn allocate_raw(&self, size: usize, alignment: usize) -> Result<NonNull<u8>, AllocError> {
        let offset = self.allocate_offset(size, alignment)?;
        // SAFETY: `Bump` keeps `offset + size <= capacity`, so the pointer is inside the block
        // (or one past its end for a zero-sized request).
        Ok(unsafe { self.block.as_non_null().add(offset) })
    }

    /// Claims `size` bytes aligned to `alignment` (the spec's `allocate`).
    ///
    /// The bytes are zero in a fresh arena. After a [`reset`](Arena::reset) they are not zeroed
    /// (like `Buffer.allocUnsafe`): they hold what was last written to them, except where typed
    /// values ([`Arena::alloc_slice_fill`], [`Arena::alloc_slice_copy`]) have been claimed since
    /// the arena last zeroed them. A typed value's padding bytes are uninitialised, so before
    /// handing that region out as bytes again the arena zeroes it, from the claim's start to the
    /// end of the last typed claim. Either way every byte handed out is initialised.
    ///
    /// # Errors
    /// As [`Arena::allocate_offset`].
    #[inline]
    #[allow(clippy::mut_from_ref)] // disjoint claims on the block, as bumpalo hands them out
    pub fn allocate(&self, size: usize, alignment: usize) -> Result<&mut [u8], AllocError> {
        let ptr = self.allocate_raw(size, alignment)?;
        // SAFETY: the bytes are inside the block, initialised (zeroed at birth, only ever
        // written as bytes), and claimed by no one else until `reset`, which needs `&mut self`
        // and so ends this borrow first.
        Ok(unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), size) })
    }

    /// Claims room for `len` values of `T` (at least [`Arena::DEFAULT_ALIGNMENT`]-aligned) and
    /// fills it with `value`. `T: Copy`, so nothing in the arena ever needs dropping.
    ///
    /// # Errors
    /// [`AllocError::SizeOverflow`] if `len * size_of::<T>()` overflows;
    /// [`AllocError::Exhausted`] if it does not fit.
    #[allow(clippy::mut_from_ref)]
    pub fn alloc_slice_fill<T: Copy>(&self, len: usize, value: T) -> Result<&mut [T], AllocError> {
        let slice = self.alloc_slice_uninit::<T>(len)?;
        for slot in slice.iter_mut() {
            slot.write(value);
        }
        // SAFETY: every element was just written.
        Ok(unsafe { &mut *(core::ptr::from_mut(slice) as *mut [T]) })
    }

    /// Claims room for a copy of `src` and copies it in.
    ///
    /// # Errors
    /// As [`Arena::alloc_slice_fill`].
    #[allow(clippy::mut_from_ref)]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&mut [T], AllocError> {
        let slice = self.alloc_slice_uninit::<T>(src.len())?;
        // SAFETY: `slice` and `src` have the same length and cannot overlap (`slice` was just
        // claimed from the arena; `src` is borrowed elsewhere or claimed earlier).
        unsafe {
            core::ptr::copy_nonoverlapping(src.as_ptr(), slice.as_mut_ptr().cast(), src.len());
            Ok(&mut *(core::ptr::from_mut(slice) as *mut [T]))
        }
    }

    #[allow(clippy::mut_from_ref)]
    fn alloc_slice_uninit<T>(
        &self,
        len: usize,
    ) -> Result<&mut [core::mem::MaybeUninit<T>], AllocError> {
        let alignment = align_of::<T>().max(Self::DEFAULT_ALIGNMENT);
        let size = len
            .checked_mul(size_of::<T>())
            .ok_or(AllocError::SizeOverflow {
                size: usize::MAX,
                alignment,
            })?;
        // Typed values need no scrub (they are written before they are read), but their padding
        // bytes will be uninitialised afterwards: move the mark past them.
        let offset = self.claim(size, alignment)?;
        self.typed_end.set(self.typed_end.get().max(offset + size));
        // SAFETY: `Bump` keeps `offset + size <= capacity`: the claim is `len * size_of::<T>()`
        // bytes inside the block, aligned for `T`, and owned by this borrow until `reset`.
        Ok(unsafe { core::slice::from_raw_parts_mut(self.block.as_ptr().add(offset).cast(), len) })
    }

    /// Makes the whole arena free again; the same memory is handed out from the start.
    /// Reused bytes are not zeroed.
    #[inline]
    pub fn reset(&mut self) {
        self.bump.get_mut().reset();
    }

    /// The offset of `ptr` from the arena's start, if it points into the arena (one past the end
    /// counts, for zero-sized claims).
    #[must_use]
    pub fn offset_of(&self, ptr: *const u8) -> Option<usize> {
        (ptr as usize)
            .checked_sub(self.block.as_ptr() as usize)
            .filter(|&offset| offset <= self.capacity())
    }

    /// The arena's first byte.
    #[must_use]
    pub const fn as_ptr(&self) -> *const u8 {
        self.block.as_ptr()
    }

    /// Bytes claimed since the last reset, padding included.
    #[must_use]
    pub fn used(&self) -> usize {
        self.bump.get().used()
    }

    /// Bytes in the arena.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.block.len()
    }

    /// Bytes not yet claimed.
    #[must_use]
    pub fn available(&self) -> usize {
        self.bump.get().available()
    }
}
