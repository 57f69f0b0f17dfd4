//! Reads `benchmark/networks/lifetimes.json` (written by `benchmark/networks/derive.ts`): the
//! lifetime sets of real networks and seeded random sets, shared by the planning benchmark and the
//! plan-quality example.

use std::path::PathBuf;

use lightwatch_memory::Lifetime;

/// One set of the fixture.
pub struct LifetimeSet {
    pub name: String,
    /// `network` or `random`.
    pub kind: String,
    pub lifetimes: Vec<Lifetime>,
}

/// The fixture's path, from the crate's directory.
pub fn path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../benchmark/networks/lifetimes.json")
}

/// Every set in the fixture, in its order.
///
/// # Panics
/// If the fixture is missing or malformed: it is committed, so that is a bug to see at once.
pub fn load() -> Vec<LifetimeSet> {
    let text = std::fs::read_to_string(path()).expect("benchmark/networks/lifetimes.json");
    let json: serde_json::Value = serde_json::from_str(&text).expect("the fixture is JSON");
    let alignment = json["alignment"].as_u64().expect("alignment") as usize;
    let numbers = |set: &serde_json::Value, key: &str| -> Vec<usize> {
        set[key]
            .as_array()
            .unwrap_or_else(|| panic!("{key} is an array"))
            .iter()
            .map(|v| v.as_u64().expect("a non-negative integer") as usize)
            .collect()
    };
    json["sets"]
        .as_array()
        .expect("sets")
        .iter()
        .map(|set| {
            let (sizes, starts, ends) = (
                numbers(set, "sizes"),
                numbers(set, "starts"),
                numbers(set, "ends"),
            );
            let lifetimes = sizes
                .iter()
                .zip(&starts)
                .zip(&ends)
                .map(|((&size, &start), &end)| Lifetime {
                    size,
                    alignment,
                    start,
                    end,
                })
                .collect();
            LifetimeSet {
                name: set["name"].as_str().expect("name").to_owned(),
                kind: set["kind"].as_str().expect("kind").to_owned(),
                lifetimes,
            }
        })
        .collect()
}
