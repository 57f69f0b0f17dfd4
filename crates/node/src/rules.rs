//! Test-only exports: the core's arena and pool rules, driven from JavaScript.
//!
//! The facade runs its own copies of these rules on its hot paths (`ts/arena.ts`, `ts/pool.ts`),
//! because crossing N-API per allocation would double its cost. The package's differential test
//! (`__test__/differential.spec.ts`) runs random operation sequences through the facade and,
//! step by step, through these wrappers of the core's `Chain` and `Pool`, and requires the same
//! offsets, figures and errors. Not part of the API: the names start with `__`, and the module is
//! only built with the `test-exports` feature.

use lightwatch_memory::{
    ArenaOptions, Chain, Checkpoint, Pool, Region, ResetMode, Retained, Slot, Step,
};
use napi::{Either, Env};
use napi_derive::napi;

use crate::error::{alloc_error, invalid_state, to_alignment, to_usize};

/// Where the rule puts block `index`: far apart, so no two overlap, and `misalignment` past a
/// multiple of 65536, as the facade's real block is. Alignment depends on nothing else.
fn base(index: usize, misalignment: u32) -> usize {
    ((index + 1) << 32) | (misalignment as usize & 0xFFFF)
}

/// One step of the arena rule: `{ block, offset, logical }` or `{ grow }`.
#[napi(object)]
pub struct RuleStep {
    /// The block the claim landed in.
    pub block: Option<u32>,
    /// The claim's offset in its block.
    pub offset: Option<f64>,
    /// The claim's logical offset (the blocks laid end to end).
    pub logical: Option<f64>,
    /// The size of the block to add before asking again.
    pub grow: Option<f64>,
}

/// The core's `Chain`, over blocks whose misalignments the test supplies.
#[napi(js_name = "__ArenaRuleForTests")]
pub struct ArenaRule {
    chain: Chain,
    checkpoints: Vec<Checkpoint>,
}

#[napi]
impl ArenaRule {
    /// A chain whose first block has `capacity` bytes at `misalignment` past 64 KiB.
    #[napi(constructor, catch_unwind)]
    pub fn new(
        env: Env,
        misalignment: u32,
        capacity: f64,
        growable: bool,
        max_capacity: Option<f64>,
    ) -> napi::Result<Self> {
        let len = to_usize(&env, capacity, "capacity")?;
        let max_capacity = max_capacity
            .map(|max| to_usize(&env, max, "maxCapacity"))
            .transpose()?;
        let first = Region {
            address: base(0, misalignment),
            len,
        };
        let options = ArenaOptions {
            growable,
            max_capacity,
        };
        let chain = Chain::new(first, options).map_err(|e| alloc_error(&env, e))?;
        Ok(Self {
            chain,
            checkpoints: Vec::new(),
        })
    }

    /// Claims `size` bytes aligned to `alignment`, or says which block to add first.
    #[napi(catch_unwind)]
    pub fn allocate(&mut self, env: Env, size: f64, alignment: f64) -> napi::Result<RuleStep> {
        let size = to_usize(&env, size, "size")?;
        let alignment = to_alignment(&env, alignment)?;
        match self.chain.allocate(size, alignment) {
            Ok(Step::Claimed(claim)) => Ok(RuleStep {
                block: Some(claim.block as u32),
                offset: Some(claim.offset as f64),
                logical: Some(self.chain.logical_offset(claim) as f64),
                grow: None,
            }),
            Ok(Step::Grow(bytes)) => Ok(RuleStep {
                block: None,
                offset: None,
                logical: None,
                grow: Some(bytes as f64),
            }),
            Err(error) => Err(alloc_error(&env, error)),
        }
    }

    /// Adds the block the last `allocate` asked for, at `misalignment` past 64 KiB.
    #[napi(catch_unwind)]
    pub fn push_block(&mut self, env: Env, misalignment: u32, len: f64) -> napi::Result<()> {
        let len = to_usize(&env, len, "len")?;
        let address = base(self.chain.blocks().len(), misalignment);
        self.chain
            .push_block(Region { address, len })
            .map_err(|e| alloc_error(&env, e))
    }

    /// Takes a checkpoint (a scope opening) and returns its number.
    #[napi(catch_unwind)]
    pub fn checkpoint(&mut self) -> u32 {
        self.checkpoints.push(self.chain.checkpoint());
        (self.checkpoints.len() - 1) as u32
    }

    /// Rewinds to checkpoint `id` (a scope closing).
    #[napi(catch_unwind)]
    pub fn rewind(&mut self, env: Env, id: u32) -> napi::Result<()> {
        let checkpoint = *self
            .checkpoints
            .get(id as usize)
            .ok_or_else(|| invalid_state(&env, "no such checkpoint"))?;
        self.chain.rewind(checkpoint);
        Ok(())
    }

    /// What a reset in `mode` (`'retain'`, `'release'` or a retain limit) keeps: `'first'`, or
    /// the size of the new block.
    #[napi(
        catch_unwind,
        ts_args_type = "mode: 'retain' | 'release' | number",
        ts_return_type = "'first' | number"
    )]
    pub fn retained(&self, mode: Either<String, f64>) -> Either<&'static str, f64> {
        let mode = match mode {
            Either::A(name) if name == "release" => ResetMode::Release,
            Either::A(_) => ResetMode::Retain,
            Either::B(limit) => ResetMode::RetainWithLimit(limit as usize),
        };
        match self.chain.retained(mode) {
            Retained::First => Either::A("first"),
            Retained::New(bytes) => Either::B(bytes as f64),
        }
    }

    /// Starts over in one block: the first (`misalignment` null) or a new one.
    #[napi(catch_unwind)]
    pub fn restart(&mut self, env: Env, misalignment: Option<u32>, len: f64) -> napi::Result<()> {
        let first = match misalignment {
            None => self.chain.blocks()[0],
            Some(misalignment) => Region {
                address: base(0, misalignment),
                len: to_usize(&env, len, "len")?,
            },
        };
        self.chain.restart(first);
        self.checkpoints.clear();
        Ok(())
    }

    /// Bytes claimed.
    #[napi(getter)]
    pub fn used(&self) -> f64 {
        self.chain.used() as f64
    }

    /// Bytes that can be claimed without growing.
    #[napi(getter)]
    pub fn available(&self) -> f64 {
        self.chain.available() as f64
    }

    /// Bytes of all blocks.
    #[napi(getter)]
    pub fn capacity(&self) -> f64 {
        self.chain.capacity() as f64
    }

    /// The number of blocks.
    #[napi(getter)]
    pub fn blocks(&self) -> u32 {
        self.chain.blocks().len() as u32
    }
}

/// The core's `Pool`, of values that take no room: only its slot bookkeeping matters here.
#[napi(js_name = "__PoolRuleForTests")]
pub struct PoolRule {
    pool: Pool<()>,
    handles: Vec<Slot>,
    /// Another pool, whose handles are foreign to `pool`.
    other: Pool<()>,
}

#[napi]
impl PoolRule {
    /// A pool whose chunks have `chunk_slots` slots.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, chunk_slots: f64) -> napi::Result<Self> {
        let chunk_slots = to_usize(&env, chunk_slots, "chunk slots")?;
        let pool = Pool::new(chunk_slots).map_err(|e| alloc_error(&env, e))?;
        let other = Pool::new(1).map_err(|e| alloc_error(&env, e))?;
        Ok(Self {
            pool,
            handles: Vec::new(),
            other,
        })
    }

    /// Allocates a slot: `[handle, slot index]`.
    #[napi(catch_unwind)]
    pub fn allocate(&mut self, env: Env) -> napi::Result<Vec<u32>> {
        let slot = self.pool.allocate(()).map_err(|e| alloc_error(&env, e))?;
        self.handles.push(slot);
        Ok(vec![(self.handles.len() - 1) as u32, slot.index() as u32])
    }

    /// Frees the slot of handle `handle` (any handle ever handed out, live or stale).
    #[napi(catch_unwind)]
    pub fn deallocate(&mut self, env: Env, handle: u32) -> napi::Result<()> {
        let slot = *self
            .handles
            .get(handle as usize)
            .ok_or_else(|| invalid_state(&env, "no such handle"))?;
        self.pool.deallocate(slot).map_err(|e| alloc_error(&env, e))
    }

    /// Frees, in this pool, a slot of another pool.
    #[napi(catch_unwind)]
    pub fn deallocate_foreign(&mut self, env: Env) -> napi::Result<()> {
        let slot = self.other.allocate(()).map_err(|e| alloc_error(&env, e))?;
        let result = self.pool.deallocate(slot).map_err(|e| alloc_error(&env, e));
        self.other.clear();
        result
    }

    /// Frees every slot.
    #[napi(catch_unwind)]
    pub fn clear(&mut self) {
        self.pool.clear();
    }

    /// Live slots.
    #[napi(getter)]
    pub fn size(&self) -> u32 {
        self.pool.size() as u32
    }

    /// All slots.
    #[napi(getter)]
    pub fn capacity(&self) -> u32 {
        self.pool.capacity() as u32
    }

    /// Free slots.
    #[napi(getter)]
    pub fn available(&self) -> u32 {
        self.pool.available() as u32
    }

    /// Chunks.
    #[napi(getter)]
    pub fn chunks(&self) -> u32 {
        self.pool.chunks() as u32
    }
}
