//! [`Claims`]: what an [`Arena`] and a [`Scope`] of one both offer, so that one function (a
//! model's forward pass, a property test) runs on either.
//!
//! Design note: every method has a default that applies the [`Arena`]'s own method to the arena
//! behind `self`, so each rule is written once, in `arena.rs`, and a scope adds nothing to it but
//! the rewind on close. The trait is sealed: its defaults reach the arena through an accessor
//! that only the crate can call, and [`Claims::scope`]'s soundness rests on the two implementors
//! being the arena itself and a scope that holds it exclusively. This follows the `bump-scope`
//! crate, whose `BumpAllocator` trait is likewise generic over its bump and its scopes.

use crate::{AllocError, Arena, Scope};

/// Bump allocation through an [`Arena`] or a [`Scope`] of one: claims of bytes and of typed
/// slices, scopes inside, and the arena's figures.
///
/// A function written against `Claims` takes an arena, or a scope per layer, unchanged:
///
/// ```
/// use lightwatch_memory::{AllocError, Arena, Claims};
///
/// fn layer(memory: &impl Claims, width: usize) -> Result<f32, AllocError> {
///     let hidden = memory.alloc_slice_fill(width, 1.0f32)?;
///     Ok(hidden.iter().sum())
/// }
///
/// let mut arena = Arena::new(64 * 1024)?;
/// assert_eq!(layer(&arena, 256)?, 256.0);
/// arena.scoped(|scope| {
///     assert_eq!(layer(scope, 512)?, 512.0);
///     assert_eq!(scope.used(), 1024 + 2048);
///     Ok::<(), AllocError>(())
/// })?; // the scope's 2048 bytes are freed
/// assert_eq!(arena.used(), 1024);
/// # Ok::<(), AllocError>(())
/// ```
///
/// Through the trait, a claim's reference lives as long as the borrow of `self`. [`Scope`]'s own
/// methods of the same names hand out references that live as long as the scope's borrow of
/// its arena instead (so they stay usable inside a nested scope); a method call on a `Scope`
/// finds those first. The trait is sealed: only [`Arena`] and [`Scope`] implement it.
pub trait Claims: sealed::Sealed {
    /// Claims `size` bytes aligned to `alignment`: [`Arena::allocate`], whose doc says what the
    /// bytes hold.
    ///
    /// # Errors
    /// As [`Arena::allocate_offset`].
    #[inline]
    #[allow(clippy::mut_from_ref)] // disjoint claims on the blocks, as the arena hands them out
    fn allocate(&self, size: usize, alignment: usize) -> Result<&mut [u8], AllocError> {
        Arena::allocate(self.arena(), size, alignment)
    }

    /// Claims room for `len` values of `T` and fills it with `value`:
    /// [`Arena::alloc_slice_fill`].
    ///
    /// # Errors
    /// As [`Arena::alloc_slice_fill`].
    #[inline]
    #[allow(clippy::mut_from_ref)]
    fn alloc_slice_fill<T: Copy>(&self, len: usize, value: T) -> Result<&mut [T], AllocError> {
        Arena::alloc_slice_fill(self.arena(), len, value)
    }

    /// Claims room for a copy of `src` and copies it in: [`Arena::alloc_slice_copy`].
    ///
    /// # Errors
    /// As [`Arena::alloc_slice_fill`].
    #[inline]
    #[allow(clippy::mut_from_ref)]
    fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&mut [T], AllocError> {
        Arena::alloc_slice_copy(self.arena(), src)
    }

    /// Opens a scope inside this arena or scope, which cannot be used until the new scope
    /// closes (on drop): what the new scope claims is freed then, what was claimed before stays.
    #[inline]
    fn scope(&mut self) -> Scope<'_> {
        // SAFETY: `self` is borrowed mutably for as long as the scope lives, and `self` is the
        // arena or a scope that holds it exclusively (the trait is sealed: there is no other
        // implementor), so nothing else can claim from the arena, rewind it or reset it
        // meanwhile.
        unsafe { Scope::open(self.arena()) }
    }

    /// Runs `f` in a new scope (as [`Claims::scope`]) and closes it when `f` returns (or
    /// unwinds).
    fn scoped<R>(&mut self, f: impl FnOnce(&mut Scope<'_>) -> R) -> R {
        f(&mut self.scope())
    }

    /// The arena's bytes in use: [`Arena::used`]. A scope's close takes it back to
    /// [`Scope::mark_used`].
    #[must_use]
    fn used(&self) -> usize {
        Arena::used(self.arena())
    }

    /// The arena's bytes that can be claimed without growing: [`Arena::available`].
    #[must_use]
    fn available(&self) -> usize {
        Arena::available(self.arena())
    }

    /// The arena's capacity: [`Arena::capacity`]. A scope's close does not shrink it.
    #[must_use]
    fn capacity(&self) -> usize {
        Arena::capacity(self.arena())
    }

    /// The arena's blocks: [`Arena::blocks`].
    #[must_use]
    fn blocks(&self) -> usize {
        Arena::blocks(self.arena())
    }
}

impl Claims for Arena {}

impl Claims for Scope<'_> {}

/// The seal: a supertrait that no other crate can name, and so cannot implement or call.
mod sealed {
    use crate::{Arena, Scope};

    pub trait Sealed {
        /// The arena whose rules the claims follow.
        fn arena(&self) -> &Arena;
    }

    impl Sealed for Arena {
        #[inline]
        fn arena(&self) -> &Arena {
            self
        }
    }

    impl Sealed for Scope<'_> {
        #[inline]
        fn arena(&self) -> &Arena {
            self.arena
        }
    }
}
