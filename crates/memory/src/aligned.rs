//! Aligned allocation: an owned [`AlignedBlock`], and the phase-02 spec's C-style free functions
//! ([`aligned_alloc`], [`aligned_free`], [`aligned_new`], [`aligned_delete`]; the spec is the
//! upstream one summarised in docs/design.md, "The upstream spec").
//!
//! One file because the owned block and the phase-02 spec's four C-style functions share one
//! layout rule ([`layout`]); each function states its `# Safety` contract in full.
//!
//! Design note: every allocation goes through `std::alloc` with an explicit [`Layout`], so the
//! platform specifics (`posix_memalign`, `_aligned_malloc`) stay std's job. The phase-02 spec's
//! `aligned_free(ptr)` takes no size, but Rust's `dealloc` needs the layout back; the free
//! functions therefore keep a small header (size and alignment) just before the returned pointer,
//! as `_aligned_malloc` does. [`AlignedBlock`] carries its layout instead and needs no header.
//!
//! Zero-sized requests never reach the allocator: they get a dangling pointer that is still
//! aligned, which is all a zero-length region needs.

use core::mem::{align_of, size_of, MaybeUninit};
use core::ptr::NonNull;
use std::alloc::{self, Layout};

use crate::address::{check_alignment, padding, Region};
use crate::AllocError;

/// 32 bytes: the alignment AVX2 loads and stores want.
pub const AVX2_ALIGNMENT: usize = 32;
/// 64 bytes: the alignment AVX-512 wants, and a cache line on x86-64 and most arm64 cores.
pub const AVX512_ALIGNMENT: usize = 64;
/// Checks `size` and `alignment` and builds the [`Layout`] for them.
///
/// # Errors
/// [`AllocError::InvalidAlignment`] if `alignment` is not a power of two up to
/// [`MAX_ALIGNMENT`](crate::MAX_ALIGNMENT); [`AllocError::SizeOverflow`] if `size` rounded up to `alignment` exceeds
/// `isize::MAX`.
pub fn layout(size: usize, alignment: usize) -> Result<Layout, AllocError> {
    check_alignment(alignment)?;
    Layout::from_size_align(size, alignment)
        .map_err(|_| AllocError::SizeOverflow { size, alignment })
}

/// Where fresh memory starts: zeroed, or whatever the allocator left there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fill {
    Zeroed,
    Uninit,
}

/// Allocates `layout` (non-zero size) from the global allocator.
#[cold]
fn allocate(layout: Layout, fill: Fill) -> Result<NonNull<u8>, AllocError> {
    debug_assert!(
        layout.size() > 0,
        "zero-sized layouts never reach the allocator"
    );
    // SAFETY: `layout` has a non-zero size, as `GlobalAlloc::alloc` requires.
    let ptr = unsafe {
        match fill {
            Fill::Zeroed => alloc::alloc_zeroed(layout),
            Fill::Uninit => alloc::alloc(layout),
        }
    };
    NonNull::new(ptr).ok_or(AllocError::OutOfMemory {
        size: layout.size(),
        alignment: layout.align(),
    })
}

/// A dangling pointer aligned to `alignment`: the address of every zero-sized allocation.
fn dangling(alignment: usize) -> NonNull<u8> {
    debug_assert!(
        alignment.is_power_of_two(),
        "alignment {alignment} is not a power of two"
    );
    // SAFETY: a power of two is never zero. The pointer is never dereferenced (zero bytes).
    unsafe { NonNull::new_unchecked(core::ptr::without_provenance_mut(alignment)) }
}

/// An owned block of memory whose first byte is aligned to a power of two; freed on drop.
///
/// This is what arenas and pool chunks are made of. A block made with [`AlignedBlock::zeroed`]
/// reads as bytes at once; one made with [`AlignedBlock::uninit`] is writable through
/// [`AlignedBlock::as_uninit_mut`] and reads as bytes after [`AlignedBlock::fill`] or
/// [`AlignedBlock::assume_init`].
///
/// ```
/// use lightwatch_memory::AlignedBlock;
/// let mut block = AlignedBlock::zeroed(1024, 64)?;
/// assert_eq!(block.as_ptr() as usize % 64, 0);
/// block.as_mut_slice()[0] = 7;
/// assert_eq!(block.as_slice()[..2], [7, 0]);
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
pub struct AlignedBlock {
    ptr: NonNull<u8>,
    layout: Layout,
    /// What was asked of the allocator: `layout` itself, or a larger, less aligned one (see
    /// `ZEROED_BY_OFFSET`) that `ptr` points into. Size 0: nothing was allocated.
    allocation: Layout,
    /// The pointer the allocator returned for `allocation`.
    base: NonNull<u8>,
    initialized: bool,
}

/// From this size on, a zeroed block with an alignment above the allocator's natural one is
/// over-allocated at the natural alignment and offset, instead of allocated at its alignment.
///
/// Why: `alloc_zeroed` can use `calloc` only up to the natural alignment (16 bytes); above it,
/// std allocates and then writes every byte, touching the whole block. Measured: a 4 GiB arena
/// took 7.4 s to create that way. `calloc` gets large blocks as fresh pages the kernel has already
/// zeroed, in microseconds. The cost is at most `alignment - 1` extra bytes.
const ZEROED_BY_OFFSET: usize = 64 * 1024;

/// The alignment every allocator gives for free on the platforms we build for (glibc, macOS,
/// Windows: 16 bytes on 64-bit).
const NATURAL_ALIGNMENT: usize = 2 * size_of::<usize>();

// SAFETY: the block owns its memory exclusively, like a `Box<[u8]>`; nothing in it is tied to a thread.
unsafe impl Send for AlignedBlock {}
// SAFETY: shared references only read through `&self` methods, like `&[u8]`.
unsafe impl Sync for AlignedBlock {}

impl AlignedBlock {
    /// Allocates `size` zeroed bytes aligned to `alignment`.
    ///
    /// # Errors
    /// [`AllocError::InvalidAlignment`], [`AllocError::SizeOverflow`] (see [`layout`]), or
    /// [`AllocError::OutOfMemory`] if the system refuses the memory.
    pub fn zeroed(size: usize, alignment: usize) -> Result<Self, AllocError> {
        Self::with_fill(size, alignment, Fill::Zeroed)
    }

    /// Allocates `size` uninitialised bytes aligned to `alignment`.
    ///
    /// # Errors
    /// As [`AlignedBlock::zeroed`].
    pub fn uninit(size: usize, alignment: usize) -> Result<Self, AllocError> {
        Self::with_fill(size, alignment, Fill::Uninit)
    }

    fn with_fill(size: usize, alignment: usize, fill: Fill) -> Result<Self, AllocError> {
        let layout = layout(size, alignment)?;
        let initialized = fill == Fill::Zeroed || size == 0;
        if size == 0 {
            let ptr = dangling(alignment);
            return Ok(Self {
                ptr,
                layout,
                allocation: layout,
                base: ptr,
                initialized,
            });
        }
        if fill == Fill::Zeroed && alignment > NATURAL_ALIGNMENT && size >= ZEROED_BY_OFFSET {
            let oom = AllocError::OutOfMemory { size, alignment };
            let padded = Region::over_allocated_len(size, alignment)?;
            let allocation = Layout::from_size_align(padded, NATURAL_ALIGNMENT)
                .map_err(|_| AllocError::SizeOverflow { size, alignment })?;
            let base = allocate(allocation, Fill::Zeroed).map_err(|_| oom)?;
            let offset = padding(base.as_ptr() as usize, alignment);
            // SAFETY: `offset < alignment`, so `offset + size <= padded`: inside the allocation.
            let ptr = unsafe { base.add(offset) };
            return Ok(Self {
                ptr,
                layout,
                allocation,
                base,
                initialized,
            });
        }
        let ptr = allocate(layout, fill)?;
        Ok(Self {
            ptr,
            layout,
            allocation: layout,
            base: ptr,
            initialized,
        })
    }

    /// The first byte. Valid for reads and writes of [`len`](Self::len) bytes while the block lives.
    #[must_use]
    pub const fn as_ptr(&self) -> *mut u8 {
        self.ptr.as_ptr()
    }

    /// The first byte, as a non-null pointer.
    #[must_use]
    pub const fn as_non_null(&self) -> NonNull<u8> {
        self.ptr
    }

    /// The size in bytes.
    #[must_use]
    pub const fn len(&self) -> usize {
        self.layout.size()
    }

    /// Whether the block has zero bytes.
    #[must_use]
    pub const fn is_empty(&self) -> bool {
        self.layout.size() == 0
    }

    /// The alignment of the first byte.
    #[must_use]
    pub const fn alignment(&self) -> usize {
        self.layout.align()
    }

    /// The layout the block was allocated with.
    #[must_use]
    pub const fn layout(&self) -> Layout {
        self.layout
    }

    /// Whether every byte has been initialised (zeroed blocks always are).
    #[must_use]
    pub const fn is_initialized(&self) -> bool {
        self.initialized
    }

    /// The bytes.
    ///
    /// # Panics
    /// If the block was made with [`AlignedBlock::uninit`] and not yet filled.
    #[must_use]
    pub fn as_slice(&self) -> &[u8] {
        assert!(
            self.initialized,
            "read of an uninitialised AlignedBlock; fill it first"
        );
        // SAFETY: `ptr` is valid for `len` bytes (or dangling with len 0), every byte is
        // initialised, and `&self` keeps the block alive and unaliased by `&mut`.
        unsafe { core::slice::from_raw_parts(self.ptr.as_ptr(), self.len()) }
    }

    /// The bytes, writable.
    ///
    /// # Panics
    /// If the block was made with [`AlignedBlock::uninit`] and not yet filled.
    #[must_use]
    pub fn as_mut_slice(&mut self) -> &mut [u8] {
        assert!(
            self.initialized,
            "read of an uninitialised AlignedBlock; fill it first"
        );
        // SAFETY: as in `as_slice`, and `&mut self` makes the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr(), self.len()) }
    }

    /// The bytes as possibly-uninitialised memory, for writing into a fresh block.
    #[must_use]
    pub fn as_uninit_mut(&mut self) -> &mut [MaybeUninit<u8>] {
        // SAFETY: `MaybeUninit<u8>` has no validity requirement; the pointer is valid for `len`
        // bytes and `&mut self` makes the borrow unique.
        unsafe { core::slice::from_raw_parts_mut(self.ptr.as_ptr().cast(), self.len()) }
    }

    /// Sets every byte to `byte`; the block reads as bytes afterwards.
    pub fn fill(&mut self, byte: u8) {
        // SAFETY: the pointer is valid for writes of `len` bytes.
        unsafe { self.ptr.as_ptr().write_bytes(byte, self.len()) };
        self.initialized = true;
    }

    /// Declares every byte initialised after writing through [`as_ptr`](Self::as_ptr) or
    /// [`as_uninit_mut`](Self::as_uninit_mut).
    ///
    /// # Safety
    /// Every byte of the block must have been written.
    pub unsafe fn assume_init(&mut self) {
        self.initialized = true;
    }
}

impl Drop for AlignedBlock {
    fn drop(&mut self) {
        if self.layout.size() != 0 {
            // SAFETY: `base` came from `alloc`/`alloc_zeroed` with exactly `allocation`, once.
            unsafe { alloc::dealloc(self.base.as_ptr(), self.allocation) };
        }
    }
}

impl core::fmt::Debug for AlignedBlock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("AlignedBlock")
            .field("ptr", &self.ptr)
            .field("len", &self.len())
            .field("alignment", &self.alignment())
            .field("initialized", &self.initialized)
            .finish()
    }
}

/// The bookkeeping that [`aligned_free`] reads back: the size and alignment of the request.
#[derive(Clone, Copy)]
#[repr(C)]
struct Header {
    size: usize,
    alignment: usize,
}

/// The layout of a header-prefixed allocation, and the offset of the caller's first byte in it.
fn prefixed_layout(size: usize, alignment: usize) -> Result<(Layout, usize), AllocError> {
    let requested = layout(size, alignment)?;
    // The header sits right before the caller's pointer; padding it up to the alignment keeps
    // the caller's pointer aligned and the header itself aligned for `usize`.
    let header = Layout::new::<Header>();
    let (whole, offset) = header
        .extend(requested)
        .map_err(|_| AllocError::SizeOverflow { size, alignment })?;
    Ok((whole, offset))
}

fn aligned_alloc_with(
    size: usize,
    alignment: usize,
    fill: Fill,
) -> Result<NonNull<u8>, AllocError> {
    let (whole, offset) = prefixed_layout(size, alignment)?;
    let base = allocate(whole, fill).map_err(|_| AllocError::OutOfMemory { size, alignment })?;
    // SAFETY: `offset` < `whole.size()`, and the header fits before it: `extend` placed the
    // requested part after a whole `Header`, so `offset >= size_of::<Header>()`.
    unsafe {
        let user = base.add(offset);
        user.cast::<Header>()
            .sub(1)
            .write(Header { size, alignment });
        Ok(user)
    }
}

/// Allocates `size` uninitialised bytes whose first byte's address is a multiple of `alignment`
/// (the phase-02 spec's `aligned_alloc`: docs/design.md, "The upstream spec"). Free it with
/// [`aligned_free`].
///
/// ```
/// use lightwatch_memory::{aligned_alloc, aligned_free};
/// let p = aligned_alloc(256, 32)?;
/// assert_eq!(p.as_ptr() as usize % 32, 0);
/// // SAFETY: `p` came from `aligned_alloc` and is freed once.
/// unsafe { aligned_free(p) };
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
///
/// # Errors
/// [`AllocError::InvalidAlignment`], [`AllocError::SizeOverflow`], or
/// [`AllocError::OutOfMemory`] if the system refuses the memory. Never aborts.
pub fn aligned_alloc(size: usize, alignment: usize) -> Result<NonNull<u8>, AllocError> {
    aligned_alloc_with(size, alignment, Fill::Uninit)
}

/// As [`aligned_alloc`], with every byte zero.
///
/// # Errors
/// As [`aligned_alloc`].
pub fn aligned_alloc_zeroed(size: usize, alignment: usize) -> Result<NonNull<u8>, AllocError> {
    aligned_alloc_with(size, alignment, Fill::Zeroed)
}

/// Frees memory from [`aligned_alloc`] or [`aligned_alloc_zeroed`] (the phase-02 spec's
/// `aligned_free`: docs/design.md, "The upstream spec").
///
/// # Safety
/// `ptr` must come from [`aligned_alloc`] or [`aligned_alloc_zeroed`] and not have been freed.
///
/// # Panics
/// If the header before `ptr` no longer describes a valid layout, which only a broken safety
/// contract can cause (a write before the first byte): better a panic than a free with the wrong
/// layout.
pub unsafe fn aligned_free(ptr: NonNull<u8>) {
    // SAFETY: the caller guarantees `ptr` came from `aligned_alloc_with`, which wrote a header
    // right before it.
    let Header { size, alignment } = unsafe { ptr.cast::<Header>().sub(1).read() };
    let (whole, offset) = prefixed_layout(size, alignment)
        .expect("the header of a live aligned allocation describes a valid layout");
    // SAFETY: `ptr - offset` is the pointer `allocate` returned for `whole`.
    unsafe { alloc::dealloc(ptr.as_ptr().sub(offset), whole) };
}

/// Allocates `count` values of `T`, each `T::default()`, the first at an address that is a
/// multiple of `alignment` (the phase-02 spec's `aligned_new`: docs/design.md, "The upstream
/// spec"). Pass `align_of::<T>()` for the natural alignment; a smaller alignment is raised to it.
/// Free with [`aligned_delete`].
///
/// ```
/// use lightwatch_memory::{aligned_delete, aligned_new, AVX512_ALIGNMENT};
/// let weights = aligned_new::<f32>(1024, AVX512_ALIGNMENT)?;
/// assert_eq!(weights.as_ptr() as usize % 64, 0);
/// // SAFETY: `weights` came from `aligned_new` with 1024 elements and is freed once.
/// unsafe { aligned_delete(weights, 1024) };
/// # Ok::<(), lightwatch_memory::AllocError>(())
/// ```
///
/// # Errors
/// [`AllocError::InvalidAlignment`]; [`AllocError::SizeOverflow`] if `count * size_of::<T>()`
/// overflows; [`AllocError::OutOfMemory`] if the system refuses the memory.
pub fn aligned_new<T: Default>(count: usize, alignment: usize) -> Result<NonNull<T>, AllocError> {
    check_alignment(alignment)?;
    let alignment = alignment.max(align_of::<T>());
    let size = count
        .checked_mul(size_of::<T>())
        .ok_or(AllocError::SizeOverflow {
            size: usize::MAX,
            alignment,
        })?;
    let first = aligned_alloc(size, alignment)?.cast::<T>();
    for i in 0..count {
        // SAFETY: the allocation holds `count` properly aligned `T`s; slot `i` is in bounds.
        // `T::default()` may panic: the earlier elements then leak, which is safe.
        unsafe { first.add(i).write(T::default()) };
    }
    Ok(first)
}

/// Drops the `count` values at `ptr` and frees their memory (the phase-02 spec's
/// `aligned_delete`: docs/design.md, "The upstream spec").
///
/// # Safety
/// `ptr` must come from [`aligned_new::<T>`](aligned_new) with this same `count`, and not have
/// been freed.
pub unsafe fn aligned_delete<T>(ptr: NonNull<T>, count: usize) {
    // SAFETY: the caller guarantees `ptr` holds `count` initialised `T`s from `aligned_new`.
    unsafe {
        debug_assert_eq!(
            ptr.cast::<Header>().sub(1).read().size,
            count * size_of::<T>(),
            "aligned_delete count {count} does not match the allocation"
        );
        core::ptr::drop_in_place(core::ptr::slice_from_raw_parts_mut(ptr.as_ptr(), count));
        aligned_free(ptr.cast());
    }
}
