//! The planner's native side: tensor lifetimes in (four columns of numbers), offsets out.
//!
//! Planning is real algorithmic work that runs once per pass shape, so it is the core's
//! (`lightwatch_memory::plan`); the facade (`ts/plan.ts`) records the pass, and replays it
//! (`ts/replay.ts`) with no native call at all. Columns of `Float64Array` keep the crossing to a
//! few copies: planning 10,000 tensors costs no more to cross than to read.

use lightwatch_memory::{ErrorCode, Lifetime, Plan, PlanError, PlanOptions};
use napi::bindgen_prelude::Float64Array;
use napi::Env;
use napi_derive::napi;

use crate::error::{plan_error, throw, to_usize};

/// A plan, as the facade takes it.
#[napi(object)]
pub struct PlannedLifetimes {
    /// Each tensor's byte offset, in input order.
    pub offsets: Float64Array,
    /// The block the plan needs.
    pub bytes: f64,
    /// The largest sum of sizes live at one step.
    pub lower_bound: f64,
    /// Every tensor, padded, one after the other.
    pub naive_bytes: f64,
}

/// Reads the columns as lifetimes; every number a non-negative safe integer.
fn lifetimes(
    env: &Env,
    sizes: &[f64],
    alignments: &[f64],
    starts: &[f64],
    ends: &[f64],
) -> napi::Result<Vec<Lifetime>> {
    let n = sizes.len();
    if alignments.len() != n || starts.len() != n || ends.len() != n {
        return Err(throw(
            env,
            ErrorCode::InvalidArgValue,
            &format!(
                "one size, alignment, start and end per tensor: received {n}, {}, {} and {}",
                alignments.len(),
                starts.len(),
                ends.len()
            ),
        ));
    }
    (0..n)
        .map(|i| {
            Ok(Lifetime {
                size: to_usize(env, sizes[i], "size")?,
                alignment: to_usize(env, alignments[i], "alignment")?,
                start: to_usize(env, starts[i], "start")?,
                end: to_usize(env, ends[i], "end")?,
            })
        })
        .collect()
}

fn answer(plan: Result<Plan, PlanError>, env: &Env) -> napi::Result<PlannedLifetimes> {
    let plan = plan.map_err(|e| plan_error(env, e))?;
    Ok(PlannedLifetimes {
        offsets: Float64Array::new(plan.offsets().iter().map(|&o| o as f64).collect()),
        bytes: plan.bytes() as f64,
        lower_bound: plan.lower_bound() as f64,
        naive_bytes: plan.naive_bytes() as f64,
    })
}

/// Plans the tensors with the core's planner: its default options, with `effort` (search passes)
/// if given.
#[napi(catch_unwind)]
pub fn plan_lifetimes(
    env: Env,
    sizes: Float64Array,
    alignments: Float64Array,
    starts: Float64Array,
    ends: Float64Array,
    effort: Option<f64>,
) -> napi::Result<PlannedLifetimes> {
    let lifetimes = lifetimes(&env, &sizes, &alignments, &starts, &ends)?;
    let mut options = PlanOptions::default();
    if let Some(effort) = effort {
        let passes = to_usize(&env, effort, "effort")?;
        options.search_passes = u32::try_from(passes).unwrap_or(u32::MAX);
    }
    answer(Plan::with_options(&lifetimes, &options), &env)
}

/// Greedy by size with best-fit gaps alone (TensorFlow Lite's planner), for comparison. The
/// last argument is ignored (the facade calls both planners alike).
#[napi(catch_unwind)]
pub fn plan_greedy_by_size(
    env: Env,
    sizes: Float64Array,
    alignments: Float64Array,
    starts: Float64Array,
    ends: Float64Array,
    _effort: Option<f64>,
) -> napi::Result<PlannedLifetimes> {
    let lifetimes = lifetimes(&env, &sizes, &alignments, &starts, &ends)?;
    answer(Plan::greedy_by_size(&lifetimes), &env)
}

/// Checks offsets saved elsewhere against the lifetimes (aligned, no two live tensors
/// overlapping) and computes the plan's figures.
#[napi(catch_unwind)]
pub fn plan_verify(
    env: Env,
    sizes: Float64Array,
    alignments: Float64Array,
    starts: Float64Array,
    ends: Float64Array,
    offsets: Float64Array,
) -> napi::Result<PlannedLifetimes> {
    let lifetimes = lifetimes(&env, &sizes, &alignments, &starts, &ends)?;
    let offsets = offsets
        .iter()
        .map(|&offset| to_usize(&env, offset, "offset"))
        .collect::<napi::Result<Vec<_>>>()?;
    answer(Plan::from_offsets(&lifetimes, offsets), &env)
}
