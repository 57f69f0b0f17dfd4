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
static SHARED_BYTES: AtomicI64 = AtomicI64::new(0);
static SHARED_BLOCKS: AtomicI64 = AtomicI64::new(0);

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

/// A shared block of native memory made (`shared.rs`): live, and shared, until its finalizer.
/// Its owner counts as an arena, a pool or an aligned buffer for as long as it holds it
/// ([`owner_opened`]), not for as long as another thread does.
pub(crate) fn shared_allocated(bytes: usize) {
    LIVE_BYTES.fetch_add(as_i64(bytes), Ordering::Relaxed);
    LIVE_BLOCKS.fetch_add(1, Ordering::Relaxed);
    SHARED_BYTES.fetch_add(as_i64(bytes), Ordering::Relaxed);
    SHARED_BLOCKS.fetch_add(1, Ordering::Relaxed);
}

/// A shared block's memory freed: no thread held a buffer over it any more.
pub(crate) fn shared_freed(bytes: usize) {
    LIVE_BYTES.fetch_sub(as_i64(bytes), Ordering::Relaxed);
    LIVE_BLOCKS.fetch_sub(1, Ordering::Relaxed);
    SHARED_BYTES.fetch_sub(as_i64(bytes), Ordering::Relaxed);
    SHARED_BLOCKS.fetch_sub(1, Ordering::Relaxed);
}

/// V8-owned shared blocks an owner holds (`bytes`, `blocks`: added, or taken back if negative).
pub(crate) fn shared_v8_held(bytes: i64, blocks: i64) {
    SHARED_BYTES.fetch_add(bytes, Ordering::Relaxed);
    SHARED_BLOCKS.fetch_add(blocks, Ordering::Relaxed);
}

/// An owner of shared blocks made: an arena, a pool or an aligned buffer, by `kind`.
pub(crate) fn owner_opened(kind: Kind) {
    match kind {
        Kind::ArenaBlock => arena_opened(),
        Kind::PoolChunk => pool_opened(),
        Kind::Aligned => {
            ALIGNED.fetch_add(1, Ordering::Relaxed);
        }
    }
}

/// An owner of shared blocks disposed or collected.
pub(crate) fn owner_closed(kind: Kind) {
    match kind {
        Kind::ArenaBlock => arena_closed(),
        Kind::PoolChunk => pool_closed(),
        Kind::Aligned => {
            ALIGNED.fetch_sub(1, Ordering::Relaxed);
        }
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
    /// Bytes of native memory held by live blocks (arenas, pool chunks, aligned buffers, shared
    /// blocks), padding included.
    pub live_bytes: f64,
    /// Blocks of memory held.
    pub live_blocks: u32,
    /// Arenas not yet disposed or collected.
    pub arenas: u32,
    /// Pools not yet disposed or collected.
    pub pools: u32,
    /// Aligned buffers not yet freed or collected.
    pub aligned_buffers: u32,
    /// Bytes of shared blocks (`shared: true`): of native memory until no thread holds a buffer
    /// over it, and of V8's while their owner holds them.
    pub shared_bytes: f64,
    /// Shared blocks, counted as `shared_bytes` is.
    pub shared_blocks: u32,
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
        shared_bytes: SHARED_BYTES.load(Ordering::Relaxed).max(0) as f64,
        shared_blocks: count(&SHARED_BLOCKS),
    }
}
