//! The planner's native side: tensor lifetimes in (four columns of numbers), offsets out.
//!
//! Planning is real algorithmic work that runs once per pass shape, so it is the core's
//! (`lightwatch_memory::plan`); the facade (`ts/plan.ts`) records the pass, and replays it
//! (`ts/replay.ts`) with no native call at all. Columns of `Float64Array` keep the crossing to a
//! few copies: planning 10,000 tensors costs no more to cross than to read.
//!
//! A plan given a large time limit is planned off the main thread: `planLifetimesAsync` runs the
//! same planner on a libuv worker (an `AsyncTask`), and a `PlanCancel` token stops its searches
//! early (the core polls the token's flag), so an aborted plan frees its worker at once.

use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use lightwatch_memory::{replayed_lifetimes, Lifetime, Plan, PlanError, PlanOptions};
use lightwatch_memory_codes::ErrorCode;
use napi::bindgen_prelude::{AsyncTask, Float64Array, Uint8Array};
use napi::{Env, Task};
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
    /// Whether no plan needs fewer bytes (the lower bound is reached, or the exact search
    /// proved it).
    pub optimal: bool,
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
    Ok(planned(&plan))
}

fn planned(plan: &Plan) -> PlannedLifetimes {
    PlannedLifetimes {
        offsets: Float64Array::new(plan.offsets().iter().map(|&o| o as f64).collect()),
        bytes: plan.bytes() as f64,
        lower_bound: plan.lower_bound() as f64,
        naive_bytes: plan.naive_bytes() as f64,
        optimal: plan.optimal(),
    }
}

/// The planner's options from the facade's: `effort` is the budget of each search (the local
/// search and the exact search, in passes; deterministic), `timeLimit` a wall-clock limit in
/// milliseconds. A time limit without an effort leaves the exact search only the clock.
fn options(env: &Env, effort: Option<f64>, time_limit: Option<f64>) -> napi::Result<PlanOptions> {
    let mut options = PlanOptions::default();
    if let Some(effort) = effort {
        let passes = u32::try_from(to_usize(env, effort, "effort")?).unwrap_or(u32::MAX);
        options.search_passes = passes;
        options.exact_passes = passes;
    }
    if let Some(limit) = time_limit {
        let ms = to_usize(env, limit, "timeLimit")?;
        options.time_limit = Some(Duration::from_millis(ms as u64));
        if effort.is_none() {
            options.exact_passes = u32::MAX;
        }
    }
    Ok(options)
}

/// Plans the tensors with the core's planner: its default options, or the budgets given.
#[napi(catch_unwind)]
pub fn plan_lifetimes(
    env: Env,
    sizes: Float64Array,
    alignments: Float64Array,
    starts: Float64Array,
    ends: Float64Array,
    effort: Option<f64>,
    time_limit: Option<f64>,
) -> napi::Result<PlannedLifetimes> {
    let lifetimes = lifetimes(&env, &sizes, &alignments, &starts, &ends)?;
    let options = options(&env, effort, time_limit)?;
    answer(Plan::with_options(&lifetimes, &options), &env)
}

/// A token that stops a background plan's searches early: the facade cancels it when the
/// caller's `AbortSignal` aborts.
#[napi]
pub struct PlanCancel {
    flag: Arc<AtomicBool>,
}

#[napi]
impl PlanCancel {
    /// A token not cancelled yet.
    #[napi(constructor)]
    #[allow(clippy::new_without_default)] // A JavaScript class: constructed with `new`.
    pub fn new() -> Self {
        Self {
            flag: Arc::new(AtomicBool::new(false)),
        }
    }

    /// Stops the searches of every plan started with this token (they return the best plan so
    /// far, which the facade then drops).
    #[napi(catch_unwind)]
    pub fn cancel(&self) {
        self.flag.store(true, Ordering::Relaxed);
    }
}

/// The planner's work for a libuv worker thread.
pub struct PlanTask {
    lifetimes: Vec<Lifetime>,
    options: PlanOptions,
    cancel: Arc<AtomicBool>,
}

impl Task for PlanTask {
    type Output = Plan;
    type JsValue = PlannedLifetimes;

    fn compute(&mut self) -> napi::Result<Plan> {
        // No panic may unwind out of a libuv worker: it would abort the process.
        let planned = catch_unwind(AssertUnwindSafe(|| {
            Plan::with_cancel(&self.lifetimes, &self.options, &self.cancel)
        }));
        match planned {
            Ok(Ok(plan)) => Ok(plan),
            // The inputs were checked on the main thread: what is left is the system refusing
            // memory, or a bug.
            Ok(Err(error)) => Err(napi::Error::from_reason(error.to_string())),
            Err(_) => Err(napi::Error::from_reason("the planner panicked")),
        }
    }

    fn resolve(&mut self, _env: Env, plan: Plan) -> napi::Result<PlannedLifetimes> {
        Ok(planned(&plan))
    }
}

/// As [`plan_lifetimes`], on a libuv worker thread: the returned promise resolves with the plan.
/// The lifetimes are checked here first, so malformed input still throws at once, with its code.
#[napi(catch_unwind, ts_return_type = "Promise<PlannedLifetimes>")]
#[allow(clippy::too_many_arguments)] // Four columns, two budgets and a token, as the facade has them.
pub fn plan_lifetimes_async(
    env: Env,
    sizes: Float64Array,
    alignments: Float64Array,
    starts: Float64Array,
    ends: Float64Array,
    effort: Option<f64>,
    time_limit: Option<f64>,
    cancel: &PlanCancel,
) -> napi::Result<AsyncTask<PlanTask>> {
    let lifetimes = lifetimes(&env, &sizes, &alignments, &starts, &ends)?;
    let options = options(&env, effort, time_limit)?;
    // The naive layout checks everything the planner refuses, in O(n).
    Plan::naive(&lifetimes).map_err(|e| plan_error(&env, e))?;
    Ok(AsyncTask::new(PlanTask {
        lifetimes,
        options,
        cancel: Arc::clone(&cancel.flag),
    }))
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
    _time_limit: Option<f64>,
) -> napi::Result<PlannedLifetimes> {
    let lifetimes = lifetimes(&env, &sizes, &alignments, &starts, &ends)?;
    answer(Plan::greedy_by_size(&lifetimes), &env)
}

/// Checks offsets saved elsewhere (aligned, no two tensors live together overlapping) against
/// the lifetimes a replay gives the tensors: `freed[i]` is 0 for a tensor its pass never frees,
/// which lives to the pass's last step (the core's `replayed_lifetimes`). Computes the plan's
/// figures.
#[napi(catch_unwind)]
pub fn plan_verify(
    env: Env,
    sizes: Float64Array,
    alignments: Float64Array,
    starts: Float64Array,
    ends: Float64Array,
    freed: Uint8Array,
    offsets: Float64Array,
) -> napi::Result<PlannedLifetimes> {
    let written = lifetimes(&env, &sizes, &alignments, &starts, &ends)?;
    if freed.len() != written.len() {
        return Err(throw(
            &env,
            ErrorCode::InvalidArgValue,
            &format!(
                "one freed flag per tensor: received {} for {} tensors",
                freed.len(),
                written.len()
            ),
        ));
    }
    let tensors: Vec<(Lifetime, bool)> = written
        .into_iter()
        .zip(freed.iter().map(|&flag| flag != 0))
        .collect();
    let lifetimes = replayed_lifetimes(&tensors);
    let offsets = offsets
        .iter()
        .map(|&offset| to_usize(&env, offset, "offset"))
        .collect::<napi::Result<Vec<_>>>()?;
    answer(Plan::from_offsets(&lifetimes, offsets), &env)
}
