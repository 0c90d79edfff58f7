//! The fuzz harnesses on stable, in `cargo test`: every saved regression input, then seeded
//! random inputs for `FUZZ_SMOKE_MS` milliseconds per target (default 2,000). A failure prints
//! the seed and the input's length; `FUZZ_SEED` replays a run.

use std::path::Path;
use std::time::{Duration, Instant};

/// xorshift64*: reproducible bytes from a seed, no dependency.
struct Bytes(u64);

impl Bytes {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn fill(&mut self, out: &mut Vec<u8>) {
        out.clear();
        // Mostly short inputs, sometimes a few kilobytes.
        let len = match self.next() % 8 {
            0 => self.next() % 8_192,
            _ => self.next() % 512,
        };
        out.extend((0..len).map(|_| self.next() as u8));
    }
}

fn env_u64(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn regressions(name: &str, harness: fn(&[u8])) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("regressions")
        .join(name);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return 0;
    };
    let mut n = 0;
    for entry in entries {
        let path = entry.expect("a regression file").path();
        harness(&std::fs::read(&path).expect("a regression input"));
        n += 1;
    }
    n
}

/// Keeps a failing input where `cargo fuzz` keeps its own (ignored by git): copy it into
/// `regressions/<target>/` once fixed.
fn save(name: &str, input: &[u8]) -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("artifacts")
        .join(name);
    let path = dir.join(format!("smoke-{}-bytes", input.len()));
    let written = std::fs::create_dir_all(&dir).and_then(|()| std::fs::write(&path, input));
    match written {
        Ok(()) => path.display().to_string(),
        Err(e) => format!("(not saved: {e})"),
    }
}

#[test]
fn every_harness_survives_its_regressions_and_seeded_random_inputs() {
    let budget = Duration::from_millis(env_u64("FUZZ_SMOKE_MS", 2_000));
    let seed = env_u64("FUZZ_SEED", 0x5EED_CAFE_F00D_0001) | 1;
    let mut input = Vec::new();
    for (name, harness) in rudder_group_fuzz::TARGETS {
        let replayed = regressions(name, harness);
        let mut bytes = Bytes(seed);
        let started = Instant::now();
        let mut runs = 0u64;
        // Bounded in time and in count.
        while started.elapsed() < budget && runs < 10_000_000 {
            bytes.fill(&mut input);
            let outcome = std::panic::catch_unwind(|| harness(&input));
            if let Err(panic) = outcome {
                let saved = save(name, &input);
                panic!("{name}: seed {seed:#x}, run {runs}: {panic:?}; input saved as {saved}");
            }
            runs += 1;
        }
        assert!(runs > 0, "{name} ran");
        println!("{name}: {replayed} regressions, {runs} random inputs");
    }
}
