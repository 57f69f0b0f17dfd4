//! The planner's exports: tensor lifetimes in, offsets out, through one buffer of columns.
//!
//! The caller asks for room for `n` tensors (`columns`), writes their sizes, alignments, starts
//! and ends (and, to verify saved offsets, the freed flags and the offsets) into the columns of
//! `f64`s it gets, and calls a planner; the planner writes each tensor's offset into the offsets
//! column and the plan's figures after it. The same functions the binding calls
//! (`crates/node/src/plan.rs`), with the same options, so the same lifetimes give the same plan.
//!
//! Layout of the buffer, `6n + 4` numbers: sizes, alignments, starts, ends, freed, offsets
//! (`n` each), then bytes, lower bound, naive bytes and optimal (1 or 0).

use std::cell::RefCell;
use std::time::Duration;

use lightwatch_memory::{replayed_lifetimes, Lifetime, Plan, PlanOptions};
use lightwatch_memory_codes::ErrorCode;

use crate::granule::{plan_in_granules, Scaled};
use crate::refusal::{answer, to_usize, Refusal};

/// The columns, one per kind, and the figures.
const COLUMNS: usize = 6;
const FIGURES: usize = 4;
const FREED: usize = 4;
const OFFSETS: usize = 5;

thread_local! {
    /// The exchange buffer. The caller writes into it between calls, through this module's
    /// memory; no reference into it is held across a call.
    static BUFFER: RefCell<Vec<f64>> = const { RefCell::new(Vec::new()) };
}

/// Room for `n` tensors: the address of the buffer (see the module documentation), zeroed. Its
/// memory may move at the next call of this function; growing the module's memory detaches the
/// caller's views of it.
#[no_mangle]
pub extern "C" fn columns(n: f64) -> f64 {
    answer((|| {
        let n = to_usize(n, "tensors")?;
        let len = n
            .checked_mul(COLUMNS)
            .and_then(|cells| cells.checked_add(FIGURES))
            .ok_or_else(|| crate::refusal::too_large(n as f64, "tensors"))?;
        BUFFER.with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            buffer.clear();
            buffer.try_reserve_exact(len).map_err(|_| {
                Refusal::from(lightwatch_memory::AllocError::OutOfMemory {
                    size: len.saturating_mul(8),
                    alignment: 8,
                })
            })?;
            buffer.resize(len, 0.0);
            Ok(buffer.as_ptr() as usize as f64)
        })
    })())
}

/// Reads the lifetimes of `n` tensors from the buffer.
fn lifetimes(buffer: &[f64], n: usize) -> Result<Vec<Lifetime>, Refusal> {
    if n.checked_mul(COLUMNS)
        .and_then(|cells| cells.checked_add(FIGURES))
        != Some(buffer.len())
    {
        return Err(Refusal::new(
            ErrorCode::InvalidState,
            format!("the columns hold another number of tensors than {n}: call columns({n}) first"),
        ));
    }
    let column = |kind: usize, i: usize| buffer[kind * n + i];
    let mut out = Vec::new();
    out.try_reserve_exact(n).map_err(|_| {
        Refusal::from(lightwatch_memory::AllocError::OutOfMemory {
            size: n.saturating_mul(std::mem::size_of::<Lifetime>()),
            alignment: 8,
        })
    })?;
    for i in 0..n {
        out.push(Lifetime {
            size: to_usize(column(0, i), "size")?,
            alignment: to_usize(column(1, i), "alignment")?,
            start: to_usize(column(2, i), "start")?,
            end: to_usize(column(3, i), "end")?,
        });
    }
    Ok(out)
}

/// The options from the package's budgets (`effort`, `timeLimit`; below 0: not given), as the
/// binding reads them.
fn options(effort: f64, time_limit: f64) -> Result<PlanOptions, Refusal> {
    let mut options = PlanOptions::default();
    let has_effort = effort >= 0.0;
    if has_effort {
        let passes = u32::try_from(to_usize(effort, "effort")?).unwrap_or(u32::MAX);
        options.search_passes = passes;
        options.exact_passes = passes;
    }
    if time_limit >= 0.0 {
        let ms = to_usize(time_limit, "timeLimit")?;
        options.time_limit = Some(Duration::from_millis(ms as u64));
        if !has_effort {
            options.exact_passes = u32::MAX;
        }
    }
    Ok(options)
}

/// Writes a plan's offsets and figures into the buffer; returns its bytes.
fn write(buffer: &mut [f64], n: usize, plan: &Scaled) -> f64 {
    for (i, offset) in plan.offsets().enumerate().take(n) {
        buffer[OFFSETS * n + i] = offset;
    }
    let figures = plan.figures();
    buffer[COLUMNS * n..].copy_from_slice(&figures);
    figures[0]
}

/// Runs `planner` on the `n` tensors in the buffer and writes its plan there.
fn run(n: f64, planner: impl FnOnce(&[f64], usize) -> Result<Scaled, Refusal>) -> f64 {
    answer((|| {
        let n = to_usize(n, "tensors")?;
        BUFFER.with(|buffer| {
            let plan = planner(&buffer.borrow(), n)?;
            Ok(write(&mut buffer.borrow_mut(), n, &plan))
        })
    })())
}

/// Plans the `n` tensors in the buffer with the core's planner, its default options or the
/// budgets given (below 0: not given): the plan's bytes, its offsets and figures in the buffer.
#[no_mangle]
pub extern "C" fn plan_lifetimes(n: f64, effort: f64, time_limit: f64) -> f64 {
    run(n, |buffer, n| {
        let lifetimes = lifetimes(buffer, n)?;
        let options = options(effort, time_limit)?;
        plan_in_granules(&lifetimes, &[], |l, _| Plan::with_options(l, &options))
    })
}

/// Greedy by size with best-fit gaps alone (TensorFlow Lite's planner).
#[no_mangle]
pub extern "C" fn plan_greedy_by_size(n: f64) -> f64 {
    run(n, |buffer, n| {
        plan_in_granules(&lifetimes(buffer, n)?, &[], |l, _| Plan::greedy_by_size(l))
    })
}

/// Checks the `n` tensors in the buffer as every planner does (alignments, lifetimes, the naive
/// layout's end) without planning: the naive plan's bytes. What a background plan checks before
/// it starts, so that malformed input is refused at once.
#[no_mangle]
pub extern "C" fn plan_check(n: f64) -> f64 {
    run(n, |buffer, n| {
        plan_in_granules(&lifetimes(buffer, n)?, &[], |l, _| Plan::naive(l))
    })
}

/// Checks the offsets in the buffer against the lifetimes a replay gives the tensors (a tensor
/// whose freed flag is 0 lives to the pass's last step: the core's `replayed_lifetimes`), as the
/// binding's `planVerify` does, and writes the plan's figures.
#[no_mangle]
pub extern "C" fn plan_verify(n: f64) -> f64 {
    run(n, |buffer, n| {
        let written = lifetimes(buffer, n)?;
        let tensors: Vec<(Lifetime, bool)> = written
            .into_iter()
            .enumerate()
            .map(|(i, lifetime)| (lifetime, buffer[FREED * n + i] != 0.0))
            .collect();
        let offsets = (0..n)
            .map(|i| to_usize(buffer[OFFSETS * n + i], "offset"))
            .collect::<Result<Vec<_>, _>>()?;
        plan_in_granules(&replayed_lifetimes(&tensors), &offsets, Plan::from_offsets)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fills the buffer as the backend does, through its address.
    fn fill(rows: &[[f64; 4]]) {
        let n = rows.len();
        assert!(columns(n as f64) >= 0.0);
        BUFFER.with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            for (i, row) in rows.iter().enumerate() {
                for (kind, &value) in row.iter().enumerate() {
                    buffer[kind * n + i] = value;
                }
                buffer[FREED * n + i] = 1.0;
            }
        });
    }

    fn read(n: usize) -> (Vec<f64>, Vec<f64>) {
        BUFFER.with(|buffer| {
            let buffer = buffer.borrow();
            (
                buffer[OFFSETS * n..COLUMNS * n].to_vec(),
                buffer[COLUMNS * n..].to_vec(),
            )
        })
    }

    #[test]
    fn plans_like_the_core() {
        let rows = [
            [1024.0, 16.0, 0.0, 1.0],
            [512.0, 16.0, 1.0, 2.0],
            [1024.0, 16.0, 2.0, 3.0],
        ];
        fill(&rows);
        let bytes = plan_lifetimes(3.0, -1.0, -1.0);
        let lifetimes: Vec<Lifetime> = rows
            .iter()
            .map(|r| Lifetime {
                size: r[0] as usize,
                alignment: 16,
                start: r[2] as usize,
                end: r[3] as usize,
            })
            .collect();
        let core = Plan::new(&lifetimes).unwrap();
        assert_eq!(bytes, core.bytes() as f64);
        let (offsets, figures) = read(3);
        let expected: Vec<f64> = core.offsets().iter().map(|&o| o as f64).collect();
        assert_eq!(offsets, expected);
        assert_eq!(figures[1], core.lower_bound() as f64);
    }

    #[test]
    fn a_time_limit_plans_too() {
        fill(&[[64.0, 16.0, 0.0, 0.0], [64.0, 16.0, 0.0, 1.0]]);
        assert_eq!(plan_lifetimes(2.0, -1.0, 5.0), 128.0);
    }

    #[test]
    fn overlapping_offsets_are_refused() {
        fill(&[[64.0, 16.0, 0.0, 1.0], [64.0, 16.0, 1.0, 2.0]]);
        BUFFER.with(|buffer| buffer.borrow_mut()[OFFSETS * 2 + 1] = 32.0);
        let refused = plan_verify(2.0);
        assert!(refused < 0.0);
        assert_eq!(
            ErrorCode::ALL[(-refused) as usize - 1],
            ErrorCode::InvalidArgValue
        );
    }

    #[test]
    fn malformed_columns_are_refused_not_trapped() {
        fill(&[[64.0, 3.0, 0.0, 1.0]]);
        assert!(plan_lifetimes(1.0, -1.0, -1.0) < 0.0);
        fill(&[[64.0, 16.0, 2.0, 1.0]]);
        assert!(plan_lifetimes(1.0, -1.0, -1.0) < 0.0);
        assert!(
            plan_lifetimes(7.0, -1.0, -1.0) < 0.0,
            "another count than the columns hold"
        );
        fill(&[[-1.0, 16.0, 0.0, 1.0]]);
        assert!(plan_greedy_by_size(1.0) < 0.0);
    }
}
