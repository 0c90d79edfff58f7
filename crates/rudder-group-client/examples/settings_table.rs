//! Prints the settings table as Markdown for a language's README:
//! `cargo run -p rudder-group-client --example settings_table -- python` (or node, c, rust).

use rudder_group::Library;
use rudder_group_client::settings::markdown_table;

fn main() {
    let library = match std::env::args().nth(1).as_deref() {
        Some("python") => Library::Python,
        Some("node") => Library::Node,
        Some("c") => Library::C,
        _ => Library::Rust,
    };
    print!("{}", markdown_table(library));
}
