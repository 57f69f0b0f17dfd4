//! Reads MiniMalloc's challenging set (instances A-K of `google/minimalloc`,
//! `benchmarks/challenging/*.1048576.csv`: `id,lower,upper,size`, lifetimes half-open) as
//! planner lifetimes: alignment 1, steps inclusive (`[lower, upper - 1]`).
//!
//! The files are not in this repository (see `tests/fixtures/minimalloc-challenging/README.md`):
//! they are read from the directory given, else `$MINIMALLOC_CHALLENGING`, else the workplace's
//! `shared/minimalloc-challenging/` beside the repository.

use std::path::{Path, PathBuf};

use lightwatch_memory::Lifetime;

/// Where the instances are looked for, for messages.
pub const WHERE: &str = "pass a directory, or set MINIMALLOC_CHALLENGING, or put the CSV files \
                         in ../shared/minimalloc-challenging/ (see \
                         crates/memory/tests/fixtures/minimalloc-challenging/README.md)";

/// One instance: its letter and its lifetimes.
pub struct Instance {
    pub name: String,
    pub lifetimes: Vec<Lifetime>,
}

fn candidates(dir: Option<&str>) -> Vec<PathBuf> {
    let mut found = Vec::new();
    if let Some(dir) = dir {
        found.push(PathBuf::from(dir));
    }
    if let Some(dir) = std::env::var_os("MINIMALLOC_CHALLENGING") {
        found.push(PathBuf::from(dir));
    }
    found.push(
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/minimalloc-challenging"),
    );
    found
}

/// The instances A-K found in the first directory that has them, in order; `None` if none does.
///
/// # Panics
/// If a file is there but malformed.
pub fn load(dir: Option<&str>) -> Option<Vec<Instance>> {
    let dir = candidates(dir)
        .into_iter()
        .find(|d| file(d, "A").is_some())?;
    let instances = ('A'..='K')
        .filter_map(|letter| {
            let path = file(&dir, &letter.to_string())?;
            Some(Instance {
                name: letter.to_string(),
                lifetimes: parse(&std::fs::read_to_string(&path).expect("readable")),
            })
        })
        .collect();
    Some(instances)
}

/// `A.1048576.csv` as in MiniMalloc's repository, or `A.csv`.
fn file(dir: &Path, name: &str) -> Option<PathBuf> {
    [format!("{name}.1048576.csv"), format!("{name}.csv")]
        .into_iter()
        .map(|f| dir.join(f))
        .find(|p| p.is_file())
}

/// `id,lower,upper,size` rows (a header first) as lifetimes `[lower, upper - 1]`, alignment 1.
///
/// # Panics
/// On a malformed row.
pub fn parse(csv: &str) -> Vec<Lifetime> {
    csv.lines()
        .skip(1)
        .filter(|line| !line.trim().is_empty())
        .map(|line| {
            let fields: Vec<usize> = line
                .split(',')
                .skip(1)
                .map(|f| f.trim().parse().expect("a number"))
                .collect();
            let [lower, upper, size] = fields[..] else {
                panic!("a row is id,lower,upper,size: {line}");
            };
            assert!(
                lower < upper,
                "a lifetime is half-open and not empty: {line}"
            );
            Lifetime {
                size,
                alignment: 1,
                start: lower,
                end: upper - 1,
            }
        })
        .collect()
}
