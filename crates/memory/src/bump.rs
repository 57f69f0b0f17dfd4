//! The bump rule: where the next claim in one block starts, as arithmetic on addresses.
//!
//! Design note: [`Bump`] touches no memory, so the same rule serves memory the crate owns
//! ([`crate::Arena`]'s blocks) and memory it does not (the Node binding's V8-owned buffers), and
//! the package's differential test can run it beside the TypeScript facade's copy. Alignment is
//! computed on the absolute address ([`padding`]), so any alignment up to
//! [`crate::MAX_ALIGNMENT`] holds whatever the block's own alignment is.

use crate::address::{check_alignment, padding};
use crate::AllocError;

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

    /// The rule over a region whose first `used` bytes are claimed (a checkpoint's position).
    pub(crate) const fn at(base: usize, capacity: usize, used: usize) -> Self {
        debug_assert!(used <= capacity, "a cursor past the region");
        Self {
            base,
            capacity,
            cursor: used,
        }
    }

    /// Claims `size` bytes whose first address is a multiple of `alignment`, and returns their
    /// offset from `base`. On error nothing changes.
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`] if `alignment` is not a power of two up to
    /// [`crate::MAX_ALIGNMENT`]; [`AllocError::Exhausted`] if the padded request does not fit in
    /// what is left (its `capacity` is this region's, its `max_capacity` `None`).
    #[inline]
    pub fn allocate(&mut self, size: usize, alignment: usize) -> Result<usize, AllocError> {
        check_alignment(alignment)?;
        self.try_allocate(size, alignment)
            .ok_or_else(|| self.exhausted(size, alignment))
    }

    /// [`Bump::allocate`] without its error: the offset, or `None` (nothing changed) if the
    /// alignment is invalid or the request does not fit. The arena's hot path calls this, so that
    /// no error is built, nor a large `Result` returned, until its slow path.
    #[inline(always)]
    pub(crate) fn try_allocate(&mut self, size: usize, alignment: usize) -> Option<usize> {
        check_alignment(alignment).ok()?;
        // `base + cursor` cannot overflow: `new` checked `base + capacity`, and cursor <= capacity.
        let padding = padding(self.base + self.cursor, alignment);
        // Compared against what is left rather than added up: near the top of the address space
        // `cursor + padding` or `start + size` could wrap.
        let available = self.capacity - self.cursor;
        if padding > available || size > available - padding {
            return None;
        }
        let start = self.cursor + padding;
        self.cursor = start + size;
        debug_assert!(
            (self.base + start).is_multiple_of(alignment),
            "offset {start} from base {:#x} is not aligned to {alignment}",
            self.base
        );
        Some(start)
    }

    #[cold]
    const fn exhausted(&self, requested: usize, alignment: usize) -> AllocError {
        AllocError::Exhausted {
            requested,
            alignment,
            available: self.available(),
            capacity: self.capacity,
            max_capacity: None,
        }
    }

    /// Makes the whole region free again.
    #[inline]
    pub fn reset(&mut self) {
        self.cursor = 0;
    }

    /// Moves the cursor back to `used`, freeing everything claimed past it (a scope's close).
    ///
    /// # Panics
    /// If `used` is past the cursor: a rewind never moves forward.
    #[inline]
    pub fn rewind(&mut self, used: usize) {
        assert!(
            used <= self.cursor,
            "rewind to {used} is past the cursor {}",
            self.cursor
        );
        self.cursor = used;
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
