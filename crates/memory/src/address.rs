//! Address arithmetic: the crate's two address rules, and regions of memory.
//!
//! Every other site calls these (the arena, the pool, the planner, the Node binding, the fuzz
//! model): [`check_alignment`] (a power of two up to [`MAX_ALIGNMENT`]) and [`padding`] (the
//! bytes up to the next aligned address). The TypeScript facade has its own copies on its hot
//! paths, held to these by the package's differential test. [`Region`] describes memory the
//! crate may not own.

use crate::AllocError;

/// The largest alignment any allocator of the crate accepts: 64 KiB.
///
/// Why a limit at all: the JavaScript facade aligns on absolute addresses that it knows modulo
/// this value (see [`Region::misalignment`]), with plain number arithmetic; every alignment up to
/// it holds, none above. The core keeps the same limit so that both say yes and no alike.
pub const MAX_ALIGNMENT: usize = 65536;

/// Checks that `alignment` is a power of two from 1 to [`MAX_ALIGNMENT`]: the one alignment rule.
///
/// # Errors
/// [`AllocError::InvalidAlignment`] otherwise.
#[inline]
pub const fn check_alignment(alignment: usize) -> Result<usize, AllocError> {
    if alignment.is_power_of_two() && alignment <= MAX_ALIGNMENT {
        Ok(alignment)
    } else {
        Err(AllocError::InvalidAlignment { alignment })
    }
}

/// The bytes from `address` up to the next multiple of `alignment` (0 if it is one): the one
/// padding rule of the crate, which arenas, blocks and the binding all use.
///
/// `alignment` must be a power of two (checked in debug builds); the result is below it.
#[inline(always)]
#[must_use]
pub const fn padding(address: usize, alignment: usize) -> usize {
    debug_assert!(
        alignment.is_power_of_two(),
        "alignment is not a power of two"
    );
    address.wrapping_neg() & (alignment - 1)
}

/// A range of addresses: where a block's memory is, whoever allocated it.
///
/// The binding describes memory it does not own with it (a V8-owned `ArrayBuffer` under
/// Electron's memory cage, which it over-allocates and aligns itself) and checks the buffers
/// JavaScript hands back against it; [`AlignedBlock`] places its large zeroed blocks with it.
///
/// [`AlignedBlock`]: crate::AlignedBlock
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Region {
    /// The first byte's address.
    pub address: usize,
    /// The length in bytes.
    pub len: usize,
}

impl Region {
    /// The bytes to allocate so that `size` bytes aligned to `alignment` fit in them wherever
    /// they start: `size + alignment - 1` (at least one byte, so the region has an address).
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`], or [`AllocError::SizeOverflow`] if the sum overflows
    /// `isize::MAX`.
    pub const fn over_allocated_len(size: usize, alignment: usize) -> Result<usize, AllocError> {
        if let Err(error) = check_alignment(alignment) {
            return Err(error);
        }
        let size = if size == 0 { 1 } else { size };
        match size.checked_add(alignment - 1) {
            Some(len) if len <= isize::MAX as usize => Ok(len),
            _ => Err(AllocError::SizeOverflow { size, alignment }),
        }
    }

    /// The `size` bytes of this region that start at its first address aligned to `alignment`.
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`]; [`AllocError::SizeOverflow`] if they do not fit in it
    /// (a region of [`Region::over_allocated_len`] bytes always fits them).
    pub const fn aligned(self, size: usize, alignment: usize) -> Result<Self, AllocError> {
        if let Err(error) = check_alignment(alignment) {
            return Err(error);
        }
        let start = padding(self.address, alignment);
        if start > self.len || size > self.len - start {
            return Err(AllocError::SizeOverflow { size, alignment });
        }
        Ok(Self {
            address: self.address + start,
            len: size,
        })
    }

    /// The first address modulo [`MAX_ALIGNMENT`]: all that code aligning within the region
    /// needs to know of where it is, as a number JavaScript holds exactly.
    #[must_use]
    pub const fn misalignment(self) -> usize {
        self.address & (MAX_ALIGNMENT - 1)
    }
}
