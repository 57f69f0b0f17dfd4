//! The kernels of the wasm-kernels example: a GEMM and a bias+ReLU in WebAssembly SIMD
//! (`simd128`), the two operations of an MLP's dense layer, over pointers into this module's
//! memory. The JavaScript side (`../mlp.mjs`) lays a planned pass of `@lightwatch/memory` in that
//! memory, so the kernels read their inputs and write their outputs where the pass's views are:
//! no copy in, no copy out.
//!
//! Bit-identical to a scalar reference: the vector lanes are output columns, never partial sums
//! of one output, so every output is summed in the same order as the scalar loop
//! (`acc = acc + a * b` for k = 0, 1, ..., each product and sum rounded to f32; no fused
//! multiply-add exists in simd128), and ReLU is `x > 0 ? x : 0` in both.
//!
//! Built for `wasm32-unknown-unknown` with `-C target-feature=+simd128` (`../build.mjs`).

#![no_std]
#![deny(unsafe_op_in_unsafe_fn)]
#![warn(clippy::undocumented_unsafe_blocks)]

#[cfg(not(target_arch = "wasm32"))]
compile_error!(
    "the kernels are built for wasm32-unknown-unknown only (examples/wasm-kernels/build.mjs)"
);

extern crate alloc;

use alloc::alloc::{alloc_zeroed, dealloc, Layout};
use core::arch::wasm32::{
    f32x4_add, f32x4_gt, f32x4_mul, f32x4_splat, v128, v128_and, v128_load, v128_store,
};

/// A tiny bump allocator over the module's memory: the kernels allocate nothing; `reserve` hands
/// the JavaScript side room for its weights and for its planned passes, and `alloc` / `free`
/// serve the copying variant (what ort-web and tfjs-wasm do per run). Freed memory is reused
/// only when it is the last allocation (enough for the copying variant's per-run scratch).
mod heap {
    use core::alloc::{GlobalAlloc, Layout};
    use core::arch::wasm32::{memory_grow, memory_size};
    use core::cell::Cell;

    const PAGE: usize = 65536;

    pub struct Bump {
        next: Cell<usize>,
    }

    // SAFETY: a wasm32 module without threads runs on one thread.
    unsafe impl Sync for Bump {}

    extern "C" {
        static __heap_base: u8;
    }

    impl Bump {
        pub const fn new() -> Self {
            Self { next: Cell::new(0) }
        }
    }

    // SAFETY: hands out disjoint, aligned ranges of memory the module owns (growing it as
    // needed), and null when the engine refuses to grow it.
    unsafe impl GlobalAlloc for Bump {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let mut next = self.next.get();
            if next == 0 {
                // Taking the address of the linker's symbol reads nothing.
                next = core::ptr::addr_of!(__heap_base) as usize;
            }
            let start = (next + layout.align() - 1) & !(layout.align() - 1);
            let Some(end) = start.checked_add(layout.size()) else {
                return core::ptr::null_mut();
            };
            let have = memory_size(0) * PAGE;
            if end > have {
                let pages = (end - have).div_ceil(PAGE);
                if memory_grow(0, pages) == usize::MAX {
                    return core::ptr::null_mut();
                }
            }
            self.next.set(end);
            start as *mut u8
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            // The last allocation goes back; anything else stays (this is an example's heap).
            if ptr as usize + layout.size() == self.next.get() {
                self.next.set(ptr as usize);
            }
        }
    }
}

#[global_allocator]
static HEAP: heap::Bump = heap::Bump::new();

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    core::arch::wasm32::unreachable()
}

/// `bytes` zeroed bytes aligned to 64, for the caller to keep: its address (0 if refused).
#[no_mangle]
pub extern "C" fn reserve(bytes: usize) -> usize {
    alloc_bytes(bytes)
}

/// `bytes` zeroed bytes aligned to 64 (the copying variant's malloc): its address, 0 if refused.
#[no_mangle]
pub extern "C" fn alloc_bytes(bytes: usize) -> usize {
    match Layout::from_size_align(bytes.max(1), 64) {
        // SAFETY: a non-zero size and a valid alignment.
        Ok(layout) => unsafe { alloc_zeroed(layout) as usize },
        Err(_) => 0,
    }
}

/// Gives back `alloc_bytes(bytes)`'s memory at `at`.
#[no_mangle]
pub extern "C" fn free_bytes(at: usize, bytes: usize) {
    if let Ok(layout) = Layout::from_size_align(bytes.max(1), 64) {
        // SAFETY: `at` came from `alloc_bytes(bytes)` with this layout (the caller's contract).
        unsafe { dealloc(at as *mut u8, layout) }
    }
}

/// `c = a x b`: `a` is `m x k`, `b` is `k x n`, `c` is `m x n`, row-major f32s at those addresses
/// (`c` overwritten; it must not overlap `a` or `b`). Lanes are output columns; each output is
/// summed over k in order, as the scalar reference.
///
/// # Safety
/// The three ranges are in this module's memory, each 4-byte aligned.
#[no_mangle]
pub unsafe extern "C" fn gemm(
    a: *const f32,
    b: *const f32,
    c: *mut f32,
    m: usize,
    k: usize,
    n: usize,
) {
    let vectors = n / 4;
    for i in 0..m {
        // SAFETY: row i of `a` and of `c` are in range (the caller's contract).
        let (row, out) = unsafe { (a.add(i * k), c.add(i * n)) };
        let mut j = 0;
        // Four vectors (16 columns) at a time: one splat of a[i][p] serves four products.
        while j + 4 <= vectors {
            let (mut s0, mut s1, mut s2, mut s3) = (
                f32x4_splat(0.0),
                f32x4_splat(0.0),
                f32x4_splat(0.0),
                f32x4_splat(0.0),
            );
            for p in 0..k {
                // SAFETY: a[i][p] and b[p][4j .. 4j + 16] are in range.
                unsafe {
                    let x = f32x4_splat(*row.add(p));
                    let at = b.add(p * n + 4 * j);
                    s0 = f32x4_add(s0, f32x4_mul(x, v128_load(at.cast::<v128>())));
                    s1 = f32x4_add(s1, f32x4_mul(x, v128_load(at.add(4).cast::<v128>())));
                    s2 = f32x4_add(s2, f32x4_mul(x, v128_load(at.add(8).cast::<v128>())));
                    s3 = f32x4_add(s3, f32x4_mul(x, v128_load(at.add(12).cast::<v128>())));
                }
            }
            // SAFETY: c[i][4j .. 4j + 16] is in range.
            unsafe {
                let at = out.add(4 * j);
                v128_store(at.cast::<v128>(), s0);
                v128_store(at.add(4).cast::<v128>(), s1);
                v128_store(at.add(8).cast::<v128>(), s2);
                v128_store(at.add(12).cast::<v128>(), s3);
            }
            j += 4;
        }
        while j < vectors {
            let mut s = f32x4_splat(0.0);
            for p in 0..k {
                // SAFETY: as above.
                unsafe {
                    let x = f32x4_splat(*row.add(p));
                    s = f32x4_add(
                        s,
                        f32x4_mul(x, v128_load(b.add(p * n + 4 * j).cast::<v128>())),
                    );
                }
            }
            // SAFETY: c[i][4j .. 4j + 4] is in range.
            unsafe { v128_store(out.add(4 * j).cast::<v128>(), s) };
            j += 1;
        }
        for col in 4 * vectors..n {
            let mut s = 0.0f32;
            for p in 0..k {
                // SAFETY: a[i][p] and b[p][col] are in range.
                s += unsafe { *row.add(p) * *b.add(p * n + col) };
            }
            // SAFETY: c[i][col] is in range.
            unsafe { *out.add(col) = s };
        }
    }
}

/// `x[i][j] = relu(x[i][j] + bias[j])` in place, `x` being `m x n`: ReLU as `v > 0 ? v : 0`.
///
/// # Safety
/// Both ranges are in this module's memory, each 4-byte aligned.
#[no_mangle]
pub unsafe extern "C" fn bias_relu(x: *mut f32, bias: *const f32, m: usize, n: usize) {
    let vectors = n / 4;
    let zero = f32x4_splat(0.0);
    for i in 0..m {
        // SAFETY: row i of `x` is in range.
        let row = unsafe { x.add(i * n) };
        for j in 0..vectors {
            // SAFETY: x[i][4j .. 4j + 4] and bias[4j .. 4j + 4] are in range.
            unsafe {
                let at = row.add(4 * j).cast::<v128>();
                let v = f32x4_add(v128_load(at), v128_load(bias.add(4 * j).cast::<v128>()));
                v128_store(at, v128_and(v, f32x4_gt(v, zero)));
            }
        }
        for j in 4 * vectors..n {
            // SAFETY: x[i][j] and bias[j] are in range.
            unsafe {
                let v = *row.add(j) + *bias.add(j);
                *row.add(j) = if v > 0.0 { v } else { 0.0 };
            }
        }
    }
}

/// `x[i][j] = x[i][j] + bias[j]` in place (the last layer: logits, no ReLU).
///
/// # Safety
/// As [`bias_relu`].
#[no_mangle]
pub unsafe extern "C" fn bias(x: *mut f32, bias: *const f32, m: usize, n: usize) {
    for i in 0..m {
        for j in 0..n {
            // SAFETY: x[i][j] and bias[j] are in range.
            unsafe { *x.add(i * n + j) += *bias.add(j) };
        }
    }
}
