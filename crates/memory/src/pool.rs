//! The pool: fixed-size slots in chunks, handed out and taken back in O(1) through a free list.
//!
//! One file because the free list, chunk growth and the handle checks are one state, which every
//! method reads and changes; the handles and the chunk layout rules are `slot.rs`.
//!
//! Design note: slots are addressed by [`Slot`] handles (pool id, index, generation) rather than
//! bare pointers, so that a double free or a handle from another pool is detected in O(1) with no
//! search: the index finds the slot (`index / chunk_slots` is its chunk, since every chunk has the
//! same number of slots), and the slot's generation says whether the handle is current. A slot's
//! generation is odd while it is live and even while it is free; every allocate and every
//! deallocate bumps it, so a stale handle is always older than its slot.
//!
//! The free list follows the TypeScript facade's, so the two hand out slots in the same order
//! (the package's differential test checks it): a slot never used since the pool was made or
//! cleared is taken from `fresh`, a cursor over the slots in index order; a freed slot goes on a
//! stack of indices beside the slots (not inside them, as Zig's `MemoryPool` does), reserved to
//! the pool's capacity, so `deallocate` never allocates and a value written into a freed slot can
//! never corrupt the list. The next allocation takes the most recently freed slot, else the next
//! fresh one, else grows by a chunk; growth never moves a live slot.
//!
//! `clear` raises a floor under every generation handed out, so a handle from before it is
//! foreign to the pool (as a view from before `clear` is to the facade), not a double free.

use core::marker::PhantomData;
use core::mem::{align_of, size_of, MaybeUninit};
use core::num::NonZeroUsize;
use core::ptr::NonNull;
use core::sync::atomic::{AtomicU32, Ordering};

use crate::address::check_alignment;
use crate::slot::{chunk_size, slot_stride, Slot};
use crate::{AlignedBlock, AllocError};

/// The least alignment of a chunk: a cache line, so that a slot whose stride divides 64 (or is a
/// multiple of it) never straddles two lines. Measured: a 64-byte slot on a 4-byte-aligned chunk
/// spans two lines, and each allocate+deallocate then touches four.
const CHUNK_ALIGNMENT: usize = 64;

/// Tells pools apart, so a handle from another pool is foreign even if its index exists here.
static NEXT_POOL_ID: AtomicU32 = AtomicU32::new(1);

/// A pool of slots for values of `T`, each aligned to at least `align_of::<T>()`.
///
/// ```
/// use lightwatch_memory::Pool;
/// let mut nodes: Pool<[f32; 16]> = Pool::new(1024)?;
/// let a = nodes.allocate([0.0; 16])?;
/// nodes.get_mut(a)?[3] = 1.0;
/// assert_eq!(nodes.size(), 1);
/// assert_eq!(nodes.deallocate(a)?[3], 1.0);
/// assert!(nodes.deallocate(a).is_err()); // a double free is an error, not corruption
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
pub struct Pool<T> {
    id: u32,
    /// The first chunk's first slot, kept apart from `chunks`: most pools never grow, and the
    /// hot path then needs one load, not two, and no division.
    first: NonNull<u8>,
    chunks: Vec<AlignedBlock>,
    chunk_slots: NonZeroUsize,
    stride: usize,
    alignment: usize,
    /// One per slot: odd while live, even while free.
    generations: Vec<u64>,
    /// Slots at or past this index have not been used since the pool was made or cleared.
    fresh: usize,
    /// Indices of freed slots below `fresh`; the next allocation pops from the end.
    free: Vec<u32>,
    /// Every generation handed out before the last `clear` is below this (even) floor.
    floor: u64,
    _values: PhantomData<T>,
}

/// The initial capacity the phase-02 spec (docs/design.md, "The upstream spec") gives `Pool`
/// when none is named: 1024 slots.
pub const DEFAULT_CAPACITY: usize = 1024;

impl<T> Pool<T> {
    /// The initial capacity the phase-02 spec (docs/design.md, "The upstream spec") gives `Pool`
    /// when none is named.
    pub const DEFAULT_CAPACITY: usize = DEFAULT_CAPACITY;

    /// A pool with room for `initial_capacity` values (at least 1) in its first chunk; each
    /// later chunk has as many slots. Slots are aligned to `align_of::<T>()`.
    ///
    /// # Errors
    /// [`AllocError::SizeOverflow`] or [`AllocError::OutOfMemory`] if the chunk cannot be had.
    pub fn new(initial_capacity: usize) -> Result<Self, AllocError> {
        Self::with_alignment(initial_capacity, align_of::<T>())
    }

    /// As [`Pool::new`], with every slot aligned to `alignment` (raised to `align_of::<T>()`
    /// if smaller): 32 for AVX2, 64 for AVX-512. Chunks themselves start on a cache line, so a
    /// slot whose stride is a multiple of 64 (or divides it) never straddles two lines.
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`] if `alignment` is not a power of two; otherwise as
    /// [`Pool::new`].
    pub fn with_alignment(initial_capacity: usize, alignment: usize) -> Result<Self, AllocError> {
        check_alignment(alignment)?;
        let alignment = alignment.max(align_of::<T>());
        let chunk_slots = NonZeroUsize::new(initial_capacity).unwrap_or(NonZeroUsize::MIN);
        let mut pool = Self {
            id: NEXT_POOL_ID.fetch_add(1, Ordering::Relaxed),
            first: NonNull::dangling(),
            chunks: Vec::new(),
            chunk_slots,
            stride: slot_stride(size_of::<T>(), alignment)?,
            alignment,
            generations: Vec::new(),
            fresh: 0,
            free: Vec::new(),
            floor: 0,
            _values: PhantomData,
        };
        pool.grow()?;
        Ok(pool)
    }

    /// Adds one chunk of `chunk_slots` free slots. On error nothing changes.
    #[cold]
    fn grow(&mut self) -> Result<(), AllocError> {
        let chunk_slots = self.chunk_slots.get();
        let capacity = self.capacity() + chunk_slots;
        let chunk_alignment = self.alignment.max(CHUNK_ALIGNMENT);
        let bytes = chunk_size(chunk_slots, self.stride)?;
        // Slot indices are u32 in handles and in the free list.
        if u32::try_from(capacity - 1).is_err() {
            return Err(AllocError::SizeOverflow {
                size: capacity.saturating_mul(self.stride),
                alignment: chunk_alignment,
            });
        }
        let oom = |_| AllocError::OutOfMemory {
            size: bytes,
            alignment: chunk_alignment,
        };
        self.chunks.try_reserve(1).map_err(oom)?;
        self.generations.try_reserve(chunk_slots).map_err(oom)?;
        // To the whole capacity: `deallocate` pushes without allocating.
        self.free
            .try_reserve(capacity - self.free.len())
            .map_err(oom)?;
        let chunk = AlignedBlock::zeroed(bytes, chunk_alignment)?;
        // Nothing can fail past this point.
        if self.chunks.is_empty() {
            self.first = chunk.as_non_null();
        }
        self.chunks.push(chunk);
        self.generations.resize(capacity, self.floor);
        Ok(())
    }

    /// The address of slot `index`.
    fn slot_ptr(&self, index: usize) -> NonNull<MaybeUninit<T>> {
        debug_assert!(
            index < self.capacity(),
            "slot {index} beyond capacity {}",
            self.capacity()
        );
        let chunk_slots = self.chunk_slots.get();
        let (chunk, within) = if index < chunk_slots {
            (self.first, index)
        } else {
            // SAFETY: every index the pool works on is below `capacity = chunks.len() *
            // chunk_slots` (`fresh` stays below it, free-list entries are indices that passed
            // `check`, which looks them up in `generations`, whose length is the capacity), so
            // the chunk exists.
            let chunk = unsafe { self.chunks.get_unchecked(index / chunk_slots) };
            (chunk.as_non_null(), index % chunk_slots)
        };
        // SAFETY: `within < chunk_slots`, so the offset is inside the chunk (`first` is the
        // first chunk's pointer: a pool always has at least one chunk once constructed).
        unsafe { chunk.add(within * self.stride).cast() }
    }

    /// Checks that `slot` is a live handle of this pool.
    #[inline]
    fn check(&self, slot: Slot) -> Result<usize, AllocError> {
        let index = slot.index();
        match self.generations.get(index) {
            Some(&current) if slot.pool() == self.id && current == slot.generation => Ok(index),
            Some(&current)
                if slot.pool() == self.id
                    && slot.generation >= self.floor
                    && slot.generation < current =>
            {
                Err(AllocError::DoubleFree { slot: index })
            }
            _ => Err(AllocError::Foreign { at: index }),
        }
    }

    /// Moves `value` into a free slot (growing by one chunk if none is free) and returns its handle.
    ///
    /// # Errors
    /// [`AllocError::OutOfMemory`] (or [`AllocError::SizeOverflow`]) if the pool must grow and
    /// cannot; `value` is dropped and the pool is unchanged.
    #[inline(always)] // the hot path is a handful of instructions; a call costs more than it
    pub fn allocate(&mut self, value: T) -> Result<Slot, AllocError> {
        let index = match self.free.pop() {
            Some(index) => index,
            // `fresh < capacity <= u32::MAX + 1` (see `grow`): the index fits.
            None if self.fresh < self.generations.len() => {
                self.fresh += 1;
                (self.fresh - 1) as u32
            }
            None => return self.grow_and_allocate(value),
        };
        Ok(self.occupy(index, value))
    }

    /// The slow path of [`Pool::allocate`]: no slot is free.
    #[cold]
    #[inline(never)]
    fn grow_and_allocate(&mut self, value: T) -> Result<Slot, AllocError> {
        self.grow()?;
        let index = self.fresh as u32;
        self.fresh += 1;
        Ok(self.occupy(index, value))
    }

    /// Moves `value` into free slot `index`, just taken off the free list.
    #[inline(always)]
    fn occupy(&mut self, index: u32, value: T) -> Slot {
        debug_assert!(
            (index as usize) < self.generations.len(),
            "free slot {index} out of range"
        );
        // SAFETY: free-list entries and `fresh` are below the capacity, `generations.len()`.
        let generation = unsafe { self.generations.get_unchecked_mut(index as usize) };
        debug_assert!(
            generation.is_multiple_of(2),
            "free slot {index} has live generation {generation}"
        );
        *generation += 1;
        let generation = *generation;
        // SAFETY: the slot is free, so it holds no value; the pointer is aligned and in bounds.
        unsafe {
            self.slot_ptr(index as usize)
                .as_ptr()
                .write(MaybeUninit::new(value));
        };
        Slot::new(self.id, index, generation)
    }

    /// Takes the value out of a live slot and frees the slot.
    ///
    /// # Errors
    /// [`AllocError::DoubleFree`] if the slot was freed since `slot` was handed out;
    /// [`AllocError::Foreign`] if `slot` is not from this pool. The pool is unchanged.
    #[inline]
    pub fn deallocate(&mut self, slot: Slot) -> Result<T, AllocError> {
        let index = self.check(slot)?;
        // SAFETY: `check` found `index` in `generations`.
        unsafe { *self.generations.get_unchecked_mut(index) += 1 };
        // A live slot is not on the free list, so the list is shorter than the capacity, to
        // which `grow` reserved it: the push cannot allocate.
        debug_assert!(self.free.len() < self.free.capacity(), "free list is full");
        self.free.push(index as u32);
        // SAFETY: the slot was live, so it holds an initialised value, which is moved out once:
        // its generation is now even, so no handle can reach it again.
        Ok(unsafe { self.slot_ptr(index).as_ptr().read().assume_init() })
    }

    /// The value in a live slot.
    ///
    /// # Errors
    /// As [`Pool::deallocate`].
    pub fn get(&self, slot: Slot) -> Result<&T, AllocError> {
        let index = self.check(slot)?;
        // SAFETY: the slot is live, so its value is initialised; `&self` keeps it in place.
        Ok(unsafe { self.slot_ptr(index).as_ref().assume_init_ref() })
    }

    /// The value in a live slot, writable.
    ///
    /// # Errors
    /// As [`Pool::deallocate`].
    pub fn get_mut(&mut self, slot: Slot) -> Result<&mut T, AllocError> {
        let index = self.check(slot)?;
        // SAFETY: as in `get`, and `&mut self` makes the borrow unique.
        Ok(unsafe { self.slot_ptr(index).as_mut().assume_init_mut() })
    }

    /// A pointer to a live slot's value (the raw API). It stays valid until the slot is freed,
    /// the pool is cleared, or the pool is dropped: slots never move.
    ///
    /// # Errors
    /// As [`Pool::deallocate`].
    pub fn as_ptr(&self, slot: Slot) -> Result<NonNull<T>, AllocError> {
        self.check(slot).map(|index| self.slot_ptr(index).cast())
    }

    /// Drops every live value and frees every slot; the capacity is kept, every handle goes stale
    /// (a later use of one is [`AllocError::Foreign`]: it no longer belongs to the pool).
    ///
    /// # Panics
    /// If dropping a value panics, the other values are still dropped and the pool is empty; then
    /// the panic propagates (a second panic aborts, as when a slice is dropped).
    pub fn clear(&mut self) {
        let end = core::mem::replace(&mut self.fresh, 0);
        self.free.clear();
        // Even, and above every generation handed out: old handles are foreign from now on.
        let highest = self.generations.iter().copied().max().unwrap_or(0);
        let floor = (highest | 1) + 1;
        self.floor = floor;
        for generation in &mut self.generations[end..] {
            *generation = floor;
        }
        let mut rest = Unvisited {
            pool: self,
            next: end,
        };
        rest.drop_all();
    }

    /// Live slots (the phase-02 spec's `size`: docs/design.md, "The upstream spec").
    #[must_use]
    pub fn size(&self) -> usize {
        self.fresh - self.free.len()
    }

    /// All slots, live and free.
    #[must_use]
    pub fn capacity(&self) -> usize {
        self.generations.len()
    }

    /// Free slots: what can be allocated without growing (`capacity() - size()`).
    #[must_use]
    pub fn available(&self) -> usize {
        self.capacity() - self.size()
    }

    /// The number of chunks; the pool grows by one chunk of its initial capacity at a time.
    #[must_use]
    pub fn chunks(&self) -> usize {
        self.chunks.len()
    }

    /// The alignment of every slot.
    #[must_use]
    pub const fn alignment(&self) -> usize {
        self.alignment
    }

    /// The distance in bytes between consecutive slots.
    #[must_use]
    pub const fn stride(&self) -> usize {
        self.stride
    }
}

// SAFETY: the pool owns its chunks and the values in them, like a `Vec<T>`; `first` points into
// its own first chunk and moves with it. Sending it sends the values: `T: Send` is enough.
unsafe impl<T: Send> Send for Pool<T> {}
// SAFETY: `&Pool` only reads (`get`, `as_ptr`, counters); no interior mutability. Sharing it
// shares `&T`: `T: Sync` is enough.
unsafe impl<T: Sync> Sync for Pool<T> {}

/// The slots `clear` has still to visit, from `next - 1` down: dropping it visits them, so a
/// panicking value's drop does not leave the others undropped.
struct Unvisited<'p, T> {
    pool: &'p mut Pool<T>,
    next: usize,
}

impl<T> Unvisited<'_, T> {
    fn drop_all(&mut self) {
        let floor = self.pool.floor;
        while self.next > 0 {
            self.next -= 1;
            let index = self.next;
            let live = !self.pool.generations[index].is_multiple_of(2);
            self.pool.generations[index] = floor;
            if live {
                // SAFETY: the slot was live, so its value is initialised; its generation is now
                // the floor (even), and `next` has moved past it, so it is dropped once.
                unsafe { self.pool.slot_ptr(index).as_mut().assume_init_drop() };
            }
        }
    }
}

impl<T> Drop for Unvisited<'_, T> {
    fn drop(&mut self) {
        // Reached with slots left only when a value's drop panicked in `drop_all`.
        self.drop_all();
    }
}

impl<T> Drop for Pool<T> {
    fn drop(&mut self) {
        if core::mem::needs_drop::<T>() {
            self.clear();
        }
    }
}

impl<T> core::fmt::Debug for Pool<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Pool")
            .field("size", &self.size())
            .field("capacity", &self.capacity())
            .field("stride", &self.stride)
            .field("alignment", &self.alignment)
            .finish_non_exhaustive()
    }
}
