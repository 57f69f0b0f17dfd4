//! What several topics share.

pub const KIB: usize = 1024;

/// Every power of two from 1 to 4096: the alignments a caller may reasonably ask for.
pub fn alignments() -> impl Iterator<Item = usize> {
    (0..=12).map(|shift| 1usize << shift)
}
