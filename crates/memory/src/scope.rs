//! Scopes: a nested lifetime inside an arena. What a scope claims is freed when it closes; what
//! was claimed before it stays.
//!
//! Design note: a [`Scope`] holds its arena exclusively (it is made from `&mut Arena`, or from
//! `&mut Scope` for a nested one), and the references it hands out live as long as that exclusive
//! borrow, not as long as the scope value: this is how the `bump-scope` crate lets an outer
//! scope's references stay usable inside an inner scope. So after a scope closes its references
//! may still be read, but nothing can claim their memory again until the borrow, and with it
//! every such reference, has ended: the borrow checker enforces the lifetimes.

use core::marker::PhantomData;

use crate::arena::{copy, fill};
use crate::chain::Checkpoint;
use crate::{AllocError, Arena};

/// A scope of an [`Arena`]: made by [`Arena::scope`] or [`Scope::scope`], closed on drop (which
/// rewinds the arena to where the scope opened; blocks added meanwhile stay, for reuse).
///
/// # What does not compile
/// The borrow checker holds the lifetimes. While a scope is open, its arena can be neither
/// used nor reset:
///
/// ```compile_fail,E0502
/// use lightwatch_memory::Arena;
/// let mut arena = Arena::new(1024)?;
/// let scope = arena.scope();
/// arena.allocate(8, 8)?; // the scope holds the arena exclusively
/// drop(scope);
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
///
/// ```compile_fail,E0499
/// use lightwatch_memory::Arena;
/// let mut arena = Arena::new(1024)?;
/// let scope = arena.scope();
/// arena.reset(); // would free what the scope handed out
/// drop(scope);
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
///
/// A reference a scope handed out cannot leave [`Arena::scoped`], whose scope closes on return:
///
/// ```compile_fail
/// use lightwatch_memory::Arena;
/// let mut arena = Arena::new(1024)?;
/// let escaped = arena.scoped(|scope| scope.allocate(8, 8).unwrap());
/// escaped[0] = 1;
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
///
/// An inner scope's reference cannot be used once the outer scope has claimed again, for that
/// claim may reuse its memory (until then it stays readable, as in `bump-scope`):
///
/// ```compile_fail,E0502
/// use lightwatch_memory::Arena;
/// let mut arena = Arena::new(1024)?;
/// let mut outer = arena.scope();
/// let temporary = {
///     let inner = outer.scope();
///     inner.allocate(8, 8)?
/// };
/// outer.allocate(8, 8)?; // the inner scope has closed: this may reuse its bytes
/// temporary[0] = 1;
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
///
/// The same program without the last line compiles, and so do outer references used inside:
///
/// ```
/// use lightwatch_memory::Arena;
/// let mut arena = Arena::new(1024)?;
/// let mut outer = arena.scope();
/// let output = outer.allocate(8, 8)?;
/// {
///     let inner = outer.scope();
///     output[0] = inner.allocate(8, 8)?.len() as u8;
/// }
/// outer.allocate(8, 8)?;
/// assert_eq!(output[0], 8);
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
pub struct Scope<'a> {
    arena: &'a Arena,
    mark: Checkpoint,
    /// Made from an exclusive borrow, and invariant in it, as `&'a mut Arena` would be.
    _exclusive: PhantomData<&'a mut Arena>,
}

impl<'a> Scope<'a> {
    #[inline]
    pub(crate) fn open(arena: &'a mut Arena) -> Self {
        let arena: &'a Arena = arena;
        Self {
            arena,
            mark: arena.checkpoint(),
            _exclusive: PhantomData,
        }
    }

    /// Claims `size` bytes aligned to `alignment` (as [`Arena::allocate`]), for this scope.
    ///
    /// # Errors
    /// As [`Arena::allocate_offset`].
    #[inline]
    #[allow(clippy::mut_from_ref)] // disjoint claims, as the arena hands them out
    pub fn allocate(&self, size: usize, alignment: usize) -> Result<&'a mut [u8], AllocError> {
        let ptr = self.arena.allocate_raw(size, alignment)?;
        // SAFETY: a fresh, initialised claim of `size` bytes; nothing else can claim it while
        // `'a` lasts, for the scope holds the arena exclusively for `'a` (see the module notes).
        Ok(unsafe { core::slice::from_raw_parts_mut(ptr.as_ptr(), size) })
    }

    /// Claims room for `len` values of `T` and fills it (as [`Arena::alloc_slice_fill`]).
    ///
    /// # Errors
    /// As [`Arena::alloc_slice_fill`].
    #[inline]
    pub fn alloc_slice_fill<T: Copy>(
        &self,
        len: usize,
        value: T,
    ) -> Result<&'a mut [T], AllocError> {
        let ptr = self.arena.alloc_slice_uninit::<T>(len)?;
        // SAFETY: a fresh claim of `len` aligned `T`s, exclusive for `'a` (as in `allocate`).
        Ok(unsafe { fill(ptr, len, value) })
    }

    /// Claims room for a copy of `src` and copies it in (as [`Arena::alloc_slice_copy`]).
    ///
    /// # Errors
    /// As [`Arena::alloc_slice_fill`].
    #[inline]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&'a mut [T], AllocError> {
        let ptr = self.arena.alloc_slice_uninit::<T>(src.len())?;
        // SAFETY: as in `alloc_slice_fill`; `src` cannot overlap a fresh claim.
        Ok(unsafe { copy(ptr, src) })
    }

    /// Opens a scope inside this one; this one cannot claim until it closes.
    #[inline]
    pub fn scope(&mut self) -> Scope<'_> {
        Scope {
            arena: self.arena,
            mark: self.arena.checkpoint(),
            _exclusive: PhantomData,
        }
    }

    /// Runs `f` in a new scope inside this one and closes it when `f` returns (or unwinds).
    pub fn scoped<R>(&mut self, f: impl FnOnce(&mut Scope<'_>) -> R) -> R {
        f(&mut self.scope())
    }

    /// The arena's bytes in use (as [`Arena::used`]); back to [`Scope::mark_used`] on close.
    #[must_use]
    pub fn used(&self) -> usize {
        self.arena.used()
    }

    /// The arena's bytes that can be claimed without growing (as [`Arena::available`]).
    #[must_use]
    pub fn available(&self) -> usize {
        self.arena.available()
    }

    /// The arena's capacity (as [`Arena::capacity`]); a close does not shrink it.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.arena.capacity()
    }

    /// The arena's blocks (as [`Arena::blocks`]).
    #[must_use]
    pub fn blocks(&self) -> usize {
        self.arena.blocks()
    }

    /// The bytes the arena had in use when this scope opened.
    #[must_use]
    pub const fn mark_used(&self) -> usize {
        self.mark.used()
    }
}

impl Drop for Scope<'_> {
    fn drop(&mut self) {
        // Scopes opened inside this one borrowed it mutably, so they have closed already (or
        // were forgotten: their marks are past this one, so this rewind covers them).
        self.arena.rewind_shared(self.mark);
    }
}

impl core::fmt::Debug for Scope<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Scope")
            .field("mark_used", &self.mark.used())
            .field("used", &self.used())
            .finish()
    }
}
