//! `make generate`: writes every surface that a table of the project determines, each marked
//! generated, so none is kept in step by hand.
//!
//! - From the core's error-code table (`rudder_group::ErrorCode`) and the C-only statuses of
//!   `bindings/c/statuses.toml`: the C status enum, its names and docs (`c_status.rs`).
//!
//! `rudder-group-generate` writes the files; `rudder-group-generate --check` writes nothing and
//! fails naming each file that differs from what it would write (`make test` runs it).

mod c;
mod c_status;
mod cli;
mod markdown;
mod node;
mod python;
mod rust;
mod settings;
mod text;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// One file as the generator would leave it.
pub(crate) struct Output {
    /// From the repository's root.
    pub(crate) path: &'static str,
    pub(crate) text: String,
}

/// The repository's root: two levels above this crate.
pub(crate) fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A file of the repository, read whole.
pub(crate) fn read(path: &str) -> Result<String, String> {
    std::fs::read_to_string(root().join(path)).map_err(|e| format!("{path}: {e}"))
}

fn outputs() -> Result<Vec<Output>, String> {
    let settings = settings::load()?;
    let mut out = vec![c_status::generate()?];
    out.extend(rust::generate(&settings)?);
    out.extend(c::generate(&settings)?);
    out.extend(markdown::generate(&settings)?);
    out.extend(python::generate(&settings)?);
    out.extend(node::generate(&settings)?);
    out.push(cli::generate(&settings)?);
    Ok(out)
}

fn main() -> ExitCode {
    let check = match std::env::args().nth(1).as_deref() {
        None => false,
        Some("--check") => true,
        Some(other) => {
            eprintln!("usage: rudder-group-generate [--check] (unknown argument {other:?})");
            return ExitCode::from(2);
        }
    };
    let outputs = match outputs() {
        Ok(outputs) => outputs,
        Err(message) => {
            eprintln!("rudder-group-generate: {message}");
            return ExitCode::FAILURE;
        }
    };
    let mut stale = Vec::new();
    for out in &outputs {
        let path = root().join(out.path);
        if std::fs::read_to_string(&path).ok().as_deref() == Some(out.text.as_str()) {
            continue;
        }
        if check {
            stale.push(out.path);
        } else if let Err(e) = std::fs::write(&path, &out.text) {
            eprintln!("rudder-group-generate: {}: {e}", out.path);
            return ExitCode::FAILURE;
        } else {
            println!("wrote {}", out.path);
        }
    }
    if stale.is_empty() {
        return ExitCode::SUCCESS;
    }
    eprintln!("generated files differ from their tables; run `make generate` and commit:");
    for path in stale {
        eprintln!("  {path}");
    }
    ExitCode::FAILURE
}
