//! Every region of native memory the binding's blocks hold right now, across all threads.
//!
//! The binding frees native memory itself, so it knows exactly when each region stops being
//! live: a region is registered when its block gets memory and unregistered when the memory is
//! freed (at once by a release, or, for memory a transfer moved away, when the last buffer over it
//! is collected). Two readers: a V8-owned block's `new ArrayBuffer(len)` (the constructor captured
//! at load may be a replacement installed before the package loaded) must not return a buffer
//! over memory a native block holds; and the tests (`__liveRegionsForTests`): no attached view may
//! reach native memory that is not listed. V8-owned memory is V8's to free, whenever it likes, so
//! it is not listed (`tags.rs` recognises V8-owned buffers of ours).

use std::collections::BTreeMap;
use std::sync::{Mutex, PoisonError};

use lightwatch_memory::Region;

/// Live regions by first address: `address -> len`. Regions never overlap.
static LIVE: Mutex<BTreeMap<usize, usize>> = Mutex::new(BTreeMap::new());

fn live() -> std::sync::MutexGuard<'static, BTreeMap<usize, usize>> {
    LIVE.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Records `region` as held by a block; `false` (and nothing recorded) if it overlaps one.
pub(crate) fn register(region: Region) -> bool {
    let mut live = live();
    if overlaps(&live, region) {
        return false;
    }
    live.insert(region.address, region.len.max(1));
    true
}

/// Whether `region` shares a byte with a live block's region.
pub(crate) fn is_live(region: Region) -> bool {
    overlaps(&live(), region)
}

/// Forgets `region` (registered by [`register`]).
pub(crate) fn unregister(region: Region) {
    live().remove(&region.address);
}

fn overlaps(live: &BTreeMap<usize, usize>, region: Region) -> bool {
    let end = region.address.saturating_add(region.len.max(1));
    // The last region starting before `end`: the only one that can reach into `region`, since
    // regions never overlap one another.
    live.range(..end)
        .next_back()
        .is_some_and(|(&address, &len)| address.saturating_add(len) > region.address)
}

/// A copy of the live regions, in address order (for the tests: `test_exports`).
#[cfg(feature = "test-exports")]
pub(crate) fn snapshot() -> Vec<Region> {
    live()
        .iter()
        .map(|(&address, &len)| Region { address, len })
        .collect()
}
