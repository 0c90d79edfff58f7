//! Every crate and package of the repository has one version (the workspace's): Cargo, the npm
//! packages and their lock files, the generated Node loader, the C header's macros and the
//! changelog's top heading. `make bump-version VERSION=X.Y.Z` (`tools/bump_version.py`) moves
//! them together; these tests fail when a place disagrees, or when the script misses one.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository's root.
fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn read(root: &Path, file: &str) -> String {
    std::fs::read_to_string(root.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

/// The text between `start` and the next `end` after it, for each occurrence of `start`.
fn between<'a>(text: &'a str, start: &str, end: &str) -> Vec<&'a str> {
    text.match_indices(start)
        .filter_map(|(at, _)| {
            let rest = &text[at + start.len()..];
            rest.find(end).map(|stop| &rest[..stop])
        })
        .collect()
}

/// Every place that names the version, as (where, the version found there).
fn places(root: &Path) -> Vec<(String, String)> {
    let mut found = Vec::new();
    let mut put = |place: String, version: &str| found.push((place, version.to_string()));

    let cargo = read(root, "Cargo.toml");
    let package = cargo
        .split("[workspace.package]")
        .nth(1)
        .expect("Cargo.toml has [workspace.package]");
    for version in between(package, "\nversion = \"", "\"").into_iter().take(1) {
        put("Cargo.toml [workspace.package]".into(), version);
    }
    let manifests = [
        "Cargo.toml",
        "bindings/c/Cargo.toml",
        "bindings/python/Cargo.toml",
        "bindings/node/Cargo.toml",
        "crates/rudder-group-cli/Cargo.toml",
        "crates/rudder-group-client/Cargo.toml",
        "crates/rudder-group-dataplane/Cargo.toml",
        "fuzz/Cargo.toml",
    ];
    for manifest in manifests {
        for line in read(root, manifest).lines() {
            if line.starts_with("rudder-group") && line.contains("path = ") {
                for version in between(line, "version = \"", "\"") {
                    put(format!("{manifest}: {line}"), version);
                }
            }
        }
    }

    let lock = read(root, "Cargo.lock");
    for entry in lock.split("[[package]]\n") {
        let name = between(entry, "name = \"", "\"");
        if entry.contains("\nsource = ") || !name.first().is_some_and(|n| n.starts_with("rudder")) {
            continue;
        }
        for version in between(entry, "\nversion = \"", "\"").into_iter().take(1) {
            put(format!("Cargo.lock: {}", name[0]), version);
        }
    }

    for file in ["bindings/node/package.json", "bench/node/package.json"] {
        let json: serde_json::Value = serde_json::from_str(&read(root, file)).expect(file);
        put(file.into(), json["version"].as_str().unwrap_or("none"));
    }
    for file in [
        "bindings/node/package-lock.json",
        "bench/node/package-lock.json",
    ] {
        let json: serde_json::Value = serde_json::from_str(&read(root, file)).expect(file);
        put(file.into(), json["version"].as_str().unwrap_or("none"));
        let own = json["packages"][""]["version"].as_str().unwrap_or("none");
        put(format!("{file} packages[\"\"]"), own);
    }

    let loader = read(root, "bindings/node/index.js");
    let checks = between(&loader, "bindingPackageVersion !== '", "'");
    let messages = between(&loader, "version mismatch, expected ", " but got");
    assert!(
        !checks.is_empty() && !messages.is_empty(),
        "index.js checks no version"
    );
    for version in checks.into_iter().chain(messages) {
        put("bindings/node/index.js".into(), version);
    }

    let header = read(root, "bindings/c/include/rudder_group.h");
    let string = between(&header, "#define RUDDER_GROUP_VERSION \"", "\"");
    let part = |name: &str| {
        between(
            &header,
            &format!("#define RUDDER_GROUP_VERSION_{name} "),
            "\n",
        )
        .first()
        .map(|v| v.to_string())
        .unwrap_or_default()
    };
    put(
        "rudder_group.h RUDDER_GROUP_VERSION".into(),
        string.first().unwrap_or(&"none"),
    );
    let parts = format!("{}.{}.{}", part("MAJOR"), part("MINOR"), part("PATCH"));
    put(
        "rudder_group.h RUDDER_GROUP_VERSION_MAJOR/MINOR/PATCH".into(),
        &parts,
    );

    let changelog = read(root, "CHANGELOG.md");
    let top = between(&changelog, "\n## ", " ");
    put(
        "CHANGELOG.md top heading".into(),
        top.first().unwrap_or(&"none"),
    );
    found
}

fn disagreeing(places: &[(String, String)], version: &str) -> Vec<String> {
    places
        .iter()
        .filter(|(_, found)| found != version)
        .map(|(place, found)| format!("{place}: {found}"))
        .collect()
}

#[test]
fn every_place_names_the_workspace_version() {
    let places = places(&root());
    // 1 workspace version + 4 path dependencies + 8 lock entries + 2 package.json + 4 lock
    // versions + the loader + 2 header forms + the changelog.
    assert!(places.len() >= 22, "too few places found: {places:?}");
    let wrong = disagreeing(&places, env!("CARGO_PKG_VERSION"));
    assert!(
        wrong.is_empty(),
        "these places do not name {}: {wrong:#?}\nrun `make bump-version VERSION=...`",
        env!("CARGO_PKG_VERSION")
    );
}

#[test]
fn the_bump_script_moves_every_place() {
    let root = root();
    let copy = std::env::temp_dir().join(format!("rudder-group-bump-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&copy);
    let files = [
        "Cargo.toml",
        "Cargo.lock",
        "CHANGELOG.md",
        "bindings/c/Cargo.toml",
        "bindings/python/Cargo.toml",
        "bindings/node/Cargo.toml",
        "crates/rudder-group/Cargo.toml",
        "crates/rudder-group-cli/Cargo.toml",
        "crates/rudder-group-client/Cargo.toml",
        "crates/rudder-group-dataplane/Cargo.toml",
        "fuzz/Cargo.toml",
        "bindings/node/package.json",
        "bindings/node/package-lock.json",
        "bench/node/package.json",
        "bench/node/package-lock.json",
        "bindings/node/index.js",
        "bindings/c/include/rudder_group.h",
    ];
    for file in files {
        let to = copy.join(file);
        std::fs::create_dir_all(to.parent().unwrap()).unwrap();
        std::fs::copy(root.join(file), &to).unwrap_or_else(|e| panic!("{file}: {e}"));
    }
    let new = "9.8.7";
    let status = Command::new("python3")
        .arg(root.join("tools/bump_version.py"))
        .arg(new)
        .arg("--root")
        .arg(&copy)
        .status()
        .expect("python3 runs tools/bump_version.py");
    assert!(status.success(), "bump_version.py failed");
    let bumped = places(&copy);
    let before = places(&root);
    let _ = std::fs::remove_dir_all(&copy);
    assert_eq!(bumped.len(), before.len(), "{bumped:?}");
    let wrong = disagreeing(&bumped, new);
    assert!(wrong.is_empty(), "bump_version.py left these: {wrong:#?}");
}
