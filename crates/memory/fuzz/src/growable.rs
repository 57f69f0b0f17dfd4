//! The interpreter's growable arenas: claims (bytes and typed values), scopes as a stack of
//! checkpoints (the raw form a `Scope` is built on, and what the binding uses) and resets in
//! Zig's three modes. Each step is checked against the rules: blocks of bumpalo's sizes within
//! `max_capacity`, claims that move forward only and never move, logical offsets, a refused
//! claim that changes nothing, and what each reset mode keeps.

use std::collections::BTreeMap;

use lightwatch_memory::{AllocError, Arena, ArenaOptions, Checkpoint, ResetMode};

use crate::Region;

/// One growable arena and what the model knows of it.
pub struct Growable {
    arena: Arena,
    options: ArenaOptions,
    initial: usize,
    /// Block sizes, in chain order, as the growth rule says they must be.
    blocks: Vec<usize>,
    /// Live claims, oldest first.
    regions: Vec<Region>,
    /// Open scopes, outermost first: the checkpoint and how many claims were live then.
    marks: Vec<(Checkpoint, usize)>,
    used: usize,
}

impl Growable {
    pub fn new(initial: usize, options: ArenaOptions) -> Self {
        Self {
            arena: Arena::with_options(initial, options).expect("growable arena"),
            options,
            initial,
            blocks: vec![initial],
            regions: Vec::new(),
            marks: Vec::new(),
            used: 0,
        }
    }

    /// bumpalo's rule: twice the last block, or the request with room for the worst padding a
    /// cache-line-aligned block can need, within `max_capacity`.
    fn next_block(&self, size: usize, align: usize, capacity: usize) -> usize {
        let padded = size + align.saturating_sub(64);
        let last = *self.blocks.last().expect("a block");
        let bytes = (2 * last).max(padded).max(1);
        match self.options.max_capacity {
            Some(max) => bytes.min(max - capacity),
            None => bytes,
        }
    }

    /// Claims `size` bytes aligned to `align` (or, `typed`, `size / 4` `u32`s) and fills them
    /// with `stamp`.
    pub fn allocate(&mut self, size: usize, align: usize, typed: bool, stamp: u8) {
        let arena = &self.arena;
        let before = (arena.used(), arena.capacity(), arena.blocks());
        let (result, size, align) = if typed {
            let len = size / 4;
            let values = arena.alloc_slice_fill(len, u32::from_ne_bytes([stamp; 4]));
            (values.map(|v| v.as_mut_ptr().cast::<u8>()), len * 4, 16)
        } else {
            let bytes = arena.allocate(size, align).map(|bytes| {
                bytes.fill(stamp);
                bytes.as_mut_ptr()
            });
            (bytes, size, align)
        };
        match result {
            Ok(ptr) => {
                assert_eq!(ptr as usize % align, 0, "growable alignment");
                let (used, capacity) = (arena.used(), arena.capacity());
                assert!(used >= before.0 + size, "a claim went backwards");
                let logical = used - size;
                assert_eq!(arena.offset_of(ptr), Some(logical), "logical offset");
                if arena.blocks() == before.2 {
                    assert_eq!(capacity, before.1, "capacity changed without a block");
                } else {
                    assert_eq!(arena.blocks(), before.2 + 1, "more than one block at once");
                    let bytes = capacity - before.1;
                    assert_eq!(bytes, self.next_block(size, align, before.1), "block size");
                    assert!(logical >= before.1, "a grown claim outside its new block");
                    self.blocks.push(bytes);
                }
                self.used = used;
                self.regions.push(Region {
                    start: ptr as usize,
                    len: size,
                    stamp,
                });
            }
            Err(AllocError::Exhausted {
                requested,
                alignment,
                available,
                capacity,
                max_capacity,
            }) => {
                let max = max_capacity.expect("only a limit exhausts a growable arena");
                assert_eq!(max_capacity, self.options.max_capacity);
                assert!(max - capacity < size + align.saturating_sub(64) || max == capacity);
                assert_eq!((requested, alignment), (size, align));
                assert_eq!((available, capacity), (before.1 - before.0, before.1));
                let after = (arena.used(), arena.capacity(), arena.blocks());
                assert_eq!(after, before, "a refused claim changed the arena");
            }
            Err(other) => panic!("unexpected growable arena error {other:?}"),
        }
    }

    pub fn open(&mut self) {
        let mark = self.arena.checkpoint();
        assert_eq!(mark.used(), self.used, "checkpoint used");
        self.marks.push((mark, self.regions.len()));
    }

    /// Closes the open scope `pick` picks and every scope opened after it.
    pub fn close(&mut self, pick: u8) {
        if self.marks.is_empty() {
            return;
        }
        let depth = usize::from(pick) % self.marks.len();
        let (mark, live) = self.marks[depth];
        self.marks.truncate(depth);
        let (capacity, blocks) = (self.arena.capacity(), self.arena.blocks());
        self.arena.rewind(mark);
        self.regions.truncate(live);
        self.used = mark.used();
        assert_eq!(self.arena.used(), self.used, "a close rewinds to the mark");
        assert_eq!(
            (self.arena.capacity(), self.arena.blocks()),
            (capacity, blocks),
            "a close keeps every block"
        );
    }

    pub fn reset(&mut self, mode: ResetMode) {
        let capacity = self.arena.capacity();
        let keep = match mode {
            ResetMode::Retain => capacity,
            ResetMode::Release => self.initial,
            ResetMode::RetainWithLimit(limit) => limit.max(self.initial).min(capacity),
        };
        let first = self.arena.as_ptr();
        self.arena.reset_with(mode);
        assert_eq!(
            (
                self.arena.used(),
                self.arena.capacity(),
                self.arena.blocks()
            ),
            (0, keep, 1),
            "{mode:?}"
        );
        if self.blocks[0] == keep {
            assert_eq!(self.arena.as_ptr(), first, "{mode:?} keeps the first block");
        }
        self.blocks = vec![keep];
        self.regions.clear();
        self.marks.clear();
        self.used = 0;
    }

    /// Counters and limits; every live byte when `data`; the live regions into `spans`.
    pub fn check(&self, data: bool, spans: &mut BTreeMap<usize, usize>) {
        let arena = &self.arena;
        assert_eq!(arena.used(), self.used, "growable used");
        assert_eq!(arena.used() + arena.available(), arena.capacity());
        assert_eq!(
            arena.capacity(),
            self.blocks.iter().sum::<usize>(),
            "capacity"
        );
        assert_eq!(arena.blocks(), self.blocks.len(), "blocks");
        if let Some(max) = self.options.max_capacity {
            assert!(arena.capacity() <= max, "past max_capacity");
        }
        for region in &self.regions {
            if data {
                // SAFETY: the region is a live claim of the arena, initialised by its fill.
                let bytes =
                    unsafe { std::slice::from_raw_parts(region.start as *const u8, region.len) };
                assert!(
                    bytes.iter().all(|&b| b == region.stamp),
                    "growable arena data was overwritten"
                );
            }
            if region.len > 0 {
                assert!(
                    spans
                        .insert(region.start, region.start + region.len)
                        .is_none(),
                    "two regions start together"
                );
            }
        }
    }
}
