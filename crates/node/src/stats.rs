//! Process-wide counters of the native memory this library holds (`memoryStats()`).
//!
//! Counters are atomics because every worker thread loads the same addon: the figures cover all
//! of them. Each block adds itself once when it gets memory and removes itself once when the
//! memory goes, whichever of dispose or garbage collection comes first.

use std::sync::atomic::{AtomicI64, Ordering};

use napi_derive::napi;

/// What a block of memory belongs to, for the per-kind counters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A block of an arena: its first, one it grew by, or a scope's shadow (V8-owned backing).
    ArenaBlock,
    PoolChunk,
    Aligned,
}

static LIVE_BYTES: AtomicI64 = AtomicI64::new(0);
static LIVE_BLOCKS: AtomicI64 = AtomicI64::new(0);
static ARENAS: AtomicI64 = AtomicI64::new(0);
static POOLS: AtomicI64 = AtomicI64::new(0);
static ALIGNED: AtomicI64 = AtomicI64::new(0);

fn kind_counter(kind: Kind) -> Option<&'static AtomicI64> {
    match kind {
        Kind::Aligned => Some(&ALIGNED),
        // An arena or a pool counts once, however many blocks it has: see `arena_opened`.
        Kind::ArenaBlock | Kind::PoolChunk => None,
    }
}

fn as_i64(bytes: usize) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

pub(crate) fn block_allocated(kind: Kind, bytes: usize) {
    LIVE_BYTES.fetch_add(as_i64(bytes), Ordering::Relaxed);
    LIVE_BLOCKS.fetch_add(1, Ordering::Relaxed);
    if let Some(counter) = kind_counter(kind) {
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

pub(crate) fn block_freed(kind: Kind, bytes: usize) {
    LIVE_BYTES.fetch_sub(as_i64(bytes), Ordering::Relaxed);
    LIVE_BLOCKS.fetch_sub(1, Ordering::Relaxed);
    if let Some(counter) = kind_counter(kind) {
        counter.fetch_sub(1, Ordering::Relaxed);
    }
}

pub(crate) fn arena_opened() {
    ARENAS.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn arena_closed() {
    ARENAS.fetch_sub(1, Ordering::Relaxed);
}

pub(crate) fn pool_opened() {
    POOLS.fetch_add(1, Ordering::Relaxed);
}

pub(crate) fn pool_closed() {
    POOLS.fetch_sub(1, Ordering::Relaxed);
}

/// The native memory this library holds right now, across all objects and threads.
#[napi(object)]
pub struct MemoryStats {
    /// Bytes held by live blocks (arenas, pool chunks, aligned buffers), padding included.
    pub live_bytes: f64,
    /// Blocks of memory held.
    pub live_blocks: u32,
    /// Arenas not yet disposed or collected.
    pub arenas: u32,
    /// Pools not yet disposed or collected.
    pub pools: u32,
    /// Aligned buffers not yet freed or collected.
    pub aligned_buffers: u32,
}

fn count(counter: &AtomicI64) -> u32 {
    u32::try_from(counter.load(Ordering::Relaxed).max(0)).unwrap_or(u32::MAX)
}

/// Reads the counters.
#[napi(catch_unwind)]
pub fn memory_stats() -> MemoryStats {
    MemoryStats {
        live_bytes: LIVE_BYTES.load(Ordering::Relaxed).max(0) as f64,
        live_blocks: count(&LIVE_BLOCKS),
        arenas: count(&ARENAS),
        pools: count(&POOLS),
        aligned_buffers: count(&ALIGNED),
    }
}
