//! `Scope`: what a scope claims is freed when it closes, what was claimed before stays, blocks
//! added inside stay for reuse. What the borrow checker refuses is in the `compile_fail`
//! doctests of `Scope` and `Arena::scope`.

use std::panic::{catch_unwind, AssertUnwindSafe};

use lightwatch_memory::{Arena, Claims};

#[test]
fn closing_a_scope_rewinds_the_arena_to_its_mark() {
    let mut arena = Arena::new(1024).unwrap();
    {
        let scope = arena.scope();
        assert_eq!(scope.mark_used(), 0);
        scope.allocate(300, 16).unwrap();
        assert_eq!(scope.used(), 300);
    }
    assert_eq!(arena.used(), 0);
    assert_eq!(
        arena.allocate_offset(1, 1),
        Ok(0),
        "the scope's bytes are free again"
    );
}

#[test]
fn a_scope_opened_after_claims_keeps_them() {
    let mut arena = Arena::new(1024).unwrap();
    arena.allocate(100, 1).unwrap().fill(5);
    arena.scoped(|scope| {
        assert_eq!(scope.mark_used(), 100);
        scope.allocate(500, 1).unwrap().fill(6);
    });
    assert_eq!(arena.used(), 100);
    // SAFETY: the first 100 bytes are still claimed and were written as bytes.
    let kept = unsafe { core::slice::from_raw_parts(arena.as_ptr(), 100) };
    assert!(kept.iter().all(|&b| b == 5));
}

#[test]
fn outer_references_are_usable_inside_an_inner_scope() {
    let mut arena = Arena::growable(64).unwrap();
    let mut outer = arena.scope();
    let output = outer.alloc_slice_fill(4, 0u32).unwrap();
    {
        let inner = outer.scope();
        let temporary = inner.alloc_slice_fill(1000, 3u32).unwrap(); // grows the arena
        output[0] = temporary.iter().sum();
        output[1] = output[0] + 1;
    }
    let after = outer.alloc_slice_fill(4, 7u32).unwrap();
    assert_eq!(output, &[3000, 3001, 0, 0]);
    assert_eq!(after, &[7; 4]);
}

#[test]
fn nested_scopes_close_innermost_first() {
    let mut arena = Arena::growable(256).unwrap();
    let mut outer = arena.scope();
    outer.allocate(10, 1).unwrap();
    {
        let mut middle = outer.scope();
        middle.allocate(20, 1).unwrap();
        {
            let inner = middle.scope();
            inner.allocate(30, 1).unwrap();
            assert_eq!((inner.mark_used(), inner.used()), (30, 60));
        }
        assert_eq!(middle.used(), 30);
    }
    assert_eq!(outer.used(), 10);
    drop(outer);
    assert_eq!(arena.used(), 0);
}

#[test]
fn a_forgotten_inner_scope_is_closed_by_its_outer_scope() {
    let mut arena = Arena::new(1024).unwrap();
    {
        let mut outer = arena.scope();
        outer.allocate(10, 1).unwrap();
        let inner = outer.scope();
        inner.allocate(100, 1).unwrap();
        core::mem::forget(inner); // never rewinds
        assert_eq!(outer.used(), 110);
    }
    assert_eq!(arena.used(), 0);
}

#[test]
fn blocks_added_in_a_scope_stay_after_it_closes() {
    let mut arena = Arena::growable(64).unwrap();
    arena.scoped(|scope| {
        scope.allocate(1000, 16).unwrap();
        scope.allocate(3000, 16).unwrap();
    });
    assert_eq!(arena.used(), 0);
    assert_eq!(arena.blocks(), 3);
    assert_eq!(arena.capacity(), 64 + 1000 + 3000);
}

#[test]
fn the_same_work_in_a_new_scope_needs_no_growth() {
    let mut arena = Arena::growable(64).unwrap();
    let work = |scope: &mut lightwatch_memory::Scope<'_>| {
        let mut addresses = Vec::new();
        for size in [40, 100, 7, 500, 64, 2000, 3] {
            addresses.push(scope.allocate(size, 16).unwrap().as_ptr());
        }
        addresses
    };
    let first = arena.scoped(work);
    let (blocks, capacity) = (arena.blocks(), arena.capacity());
    assert!(blocks > 1, "the first pass grew the arena");
    for _ in 0..3 {
        assert_eq!(
            arena.scoped(work),
            first,
            "the same claims in the same places"
        );
        assert_eq!((arena.blocks(), arena.capacity()), (blocks, capacity));
    }
}

#[test]
fn scoped_returns_what_the_closure_returns() {
    let mut arena = Arena::new(256).unwrap();
    let sum: u64 =
        arena.scoped(|scope| scope.alloc_slice_copy(&[1u64, 2, 3]).unwrap().iter().sum());
    assert_eq!(sum, 6);
    assert_eq!(arena.used(), 0);
}

#[test]
fn scoped_closes_the_scope_when_the_closure_panics() {
    let mut arena = Arena::new(1024).unwrap();
    arena.allocate(8, 8).unwrap();
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        arena.scoped(|scope| {
            scope.allocate(500, 1).unwrap();
            panic!("a layer failed");
        })
    }));
    assert!(outcome.is_err());
    assert_eq!(arena.used(), 8, "closed on unwind");
}

#[test]
fn a_nested_scoped_closes_only_its_own_claims() {
    let mut arena = Arena::new(1024).unwrap();
    arena.scoped(|outer| {
        outer.allocate(100, 1).unwrap();
        let inside = outer.scoped(|inner| {
            inner.allocate(200, 1).unwrap();
            inner.used()
        });
        assert_eq!((inside, outer.used()), (300, 100));
    });
    assert_eq!(arena.used(), 0);
}

#[test]
fn a_scope_reports_the_arenas_figures() {
    let mut arena = Arena::growable(64).unwrap();
    let scope = arena.scope();
    scope.allocate(100, 1).unwrap();
    assert_eq!(
        (
            scope.used(),
            scope.available(),
            scope.capacity(),
            scope.blocks()
        ),
        (64 + 100, 28, 64 + 128, 2)
    );
}

#[test]
fn a_scopes_references_outlive_the_scope_value_until_the_arena_is_used_again() {
    // bump-scope's rule: the references live as long as the borrow the scope was made from, so
    // they stay readable after the scope value is gone, and the arena cannot claim meanwhile.
    let mut arena = Arena::new(64).unwrap();
    let bytes = {
        let scope = arena.scope();
        let bytes = scope.allocate(4, 1).unwrap();
        bytes.copy_from_slice(b"kept");
        bytes
    };
    assert_eq!(bytes, b"kept");
    assert_eq!(arena.used(), 0);
}
