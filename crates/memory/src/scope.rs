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

use crate::chain::Checkpoint;
use crate::{AllocError, Arena};

/// A scope of an [`Arena`]: made by [`Arena::scope`], or by [`Claims::scope`] on a scope for a
/// nested one, closed on drop (which rewinds the arena to where the scope opened; blocks added
/// meanwhile stay, for reuse). Its figures and nested scopes are [`Claims`]'s; its claims are its
/// own (see [`Scope::allocate`]).
///
/// [`Claims`]: crate::Claims
/// [`Claims::scope`]: crate::Claims::scope
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
/// use lightwatch_memory::{Arena, Claims};
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
/// use lightwatch_memory::{Arena, Claims};
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
    /// The arena, held exclusively for `'a` (see [`Scope::open`]).
    pub(crate) arena: &'a Arena,
    mark: Checkpoint,
    /// Made from an exclusive borrow, and invariant in it, as `&'a mut Arena` would be.
    _exclusive: PhantomData<&'a mut Arena>,
}

impl<'a> Scope<'a> {
    /// Opens a scope over `arena` at its current position.
    ///
    /// # Safety
    /// Nothing but this scope, and the scopes opened inside it, may claim from `arena`, rewind
    /// it or reset it while `'a` lasts: its drop rewinds to here, which would free whatever
    /// anything else had claimed since. [`Claims::scope`](crate::Claims::scope) guarantees it
    /// by borrowing the arena, or the scope that holds it, mutably for `'a`. For the same reason
    /// the references [`Scope::allocate`] hands out for `'a` stay sound after the close: nothing
    /// can claim their memory again until `'a` is over.
    #[inline]
    pub(crate) unsafe fn open(arena: &'a Arena) -> Self {
        Self {
            arena,
            mark: arena.checkpoint(),
            _exclusive: PhantomData,
        }
    }

    /// Claims `size` bytes aligned to `alignment` (as [`Arena::allocate`]), for this scope.
    ///
    /// Not [`Claims::allocate`](crate::Claims::allocate)'s, whose reference lives only as long
    /// as the borrow of the scope: this one lives as long as the scope's borrow of the arena, so
    /// that it can be used inside a nested scope (see the type's notes).
    ///
    /// # Errors
    /// As [`Arena::allocate_offset`].
    #[inline]
    pub fn allocate(&self, size: usize, alignment: usize) -> Result<&'a mut [u8], AllocError> {
        self.arena.allocate(size, alignment)
    }

    /// Claims room for `len` values of `T` and fills it (as [`Arena::alloc_slice_fill`]), for
    /// as long as [`Scope::allocate`]'s claims live.
    ///
    /// # Errors
    /// As [`Arena::alloc_slice_fill`].
    #[inline]
    pub fn alloc_slice_fill<T: Copy>(
        &self,
        len: usize,
        value: T,
    ) -> Result<&'a mut [T], AllocError> {
        self.arena.alloc_slice_fill(len, value)
    }

    /// Claims room for a copy of `src` and copies it in (as [`Arena::alloc_slice_copy`]), for
    /// as long as [`Scope::allocate`]'s claims live.
    ///
    /// # Errors
    /// As [`Arena::alloc_slice_fill`].
    #[inline]
    pub fn alloc_slice_copy<T: Copy>(&self, src: &[T]) -> Result<&'a mut [T], AllocError> {
        self.arena.alloc_slice_copy(src)
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
            .field("used", &self.arena.used())
            .finish()
    }
}
