//! The committed header must equal a fresh generation by the pinned cbindgen.
//!
//! `RUDDER_GROUP_WRITE_HEADER=1 cargo test -p rudder-group-c header` (or
//! `make -C bindings/c header`) rewrites it.

use std::path::Path;

/// Generates the header from `src/` with `cbindgen.toml` and the package version.
fn generate() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut config =
        cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml is readable");
    let version = env!("CARGO_PKG_VERSION");
    let macros = format!(
        "\n/** The version of this header; compare with rudder_version() at run time. */\n\
         #define RUDDER_GROUP_VERSION \"{version}\"\n\
         /** Major version of this header. */\n\
         #define RUDDER_GROUP_VERSION_MAJOR {}\n\
         /** Minor version of this header. */\n\
         #define RUDDER_GROUP_VERSION_MINOR {}\n\
         /** Patch version of this header. */\n\
         #define RUDDER_GROUP_VERSION_PATCH {}\n",
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
        env!("CARGO_PKG_VERSION_PATCH"),
    );
    config.after_includes = Some(match config.after_includes.take() {
        Some(more) => format!("{macros}{more}"),
        None => macros,
    });
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen generates the header");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn header_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/rudder_group.h");
    let fresh = generate();
    if std::env::var_os("RUDDER_GROUP_WRITE_HEADER").is_some() {
        std::fs::write(&path, &fresh).expect("the header is writable");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == fresh,
        "include/rudder_group.h differs from a fresh cbindgen run: regenerate it with \
         `make -C bindings/c header` and commit the result"
    );
}
