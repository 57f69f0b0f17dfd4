//! What the planner takes: one tensor's size, alignment and lifetime.

/// One tensor of a pass: its size, its alignment, and the steps it is live at (`start..=end`).
/// Two tensors conflict, and must not share a byte, when their step ranges intersect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Lifetime {
    /// Bytes; zero is allowed (such a tensor needs no memory and conflicts with nothing).
    pub size: usize,
    /// A power of two: the tensor's offset will be a multiple of it.
    pub alignment: usize,
    /// The first step the tensor is live at.
    pub start: usize,
    /// The last step the tensor is live at (inclusive, `>= start`).
    pub end: usize,
}

impl Lifetime {
    /// The alignment of [`Lifetime::new`]: the arena's default, 16 bytes.
    pub const DEFAULT_ALIGNMENT: usize = crate::Arena::DEFAULT_ALIGNMENT;

    /// A tensor of `size` bytes live from step `start` to step `end` (inclusive), aligned to
    /// [`Lifetime::DEFAULT_ALIGNMENT`].
    #[must_use]
    pub const fn new(size: usize, start: usize, end: usize) -> Self {
        Self {
            size,
            alignment: Self::DEFAULT_ALIGNMENT,
            start,
            end,
        }
    }

    /// The same tensor aligned to `alignment` instead.
    #[must_use]
    pub const fn with_alignment(self, alignment: usize) -> Self {
        Self { alignment, ..self }
    }

    /// Whether the two tensors are live at a common step (zero-size tensors included: they
    /// still never overlap anything, having no bytes).
    #[must_use]
    pub const fn conflicts_with(&self, other: &Self) -> bool {
        self.start <= other.end && other.start <= self.end
    }
}
